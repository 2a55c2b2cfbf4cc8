/**
 * The connector's memory for one sandbox: conversations and who is in their roster, the feed
 * of everything the bot posted (the Teams host's chat pane polls it), rate-limit windows and
 * where the channel delivers activities. Kept per context so sandboxes never share it.
 */
import type { SandboxContext } from '../context';
import type { SeedUser } from '../seed';
import { SlidingWindowLimiter } from './rate-limits';
import { threadOf } from './identities';

export type ConversationType = 'personal' | 'channel';

export interface Team {
  id: string;
  name: string;
  aadGroupId: string;
}

export interface Conversation {
  id: string;
  type: ConversationType;
  tenantId: string;
  /** personal: the one user; channel: the team's members. */
  members: SeedUser[];
  team?: Team;
  /** The user who installed (or, for a proactive 1:1, the chat's user): sender of install events. */
  installedBy: SeedUser;
  botInRoster: boolean;
  createdAtMs: number;
}

export type BotOperation = 'send' | 'reply' | 'update' | 'create';

export interface FeedEntry {
  seq: number;
  conversationId: string;
  receivedAt: string;
  operation: BotOperation;
  activity: Record<string, unknown>;
}

export class ConnectorState {
  readonly conversations = new Map<string, Conversation>();
  readonly teams = new Map<string, Team>();
  readonly limiter = new SlidingWindowLimiter();
  private readonly feed: FeedEntry[] = [];
  private lastActivityId = 0;
  /** Overrides `${appBaseUrl}/api/messages` (PUT /_sandbox/connector/bot-endpoint). */
  botEndpoint: string | undefined;

  constructor(private readonly ctx: SandboxContext) {}

  endpoint(): string {
    return this.botEndpoint ?? `${this.ctx.appBaseUrl}/api/messages`;
  }

  /** Teams message ids are epoch milliseconds; kept strictly increasing so each is unique. */
  nextActivityId(): string {
    this.lastActivityId = Math.max(this.lastActivityId + 1, this.ctx.now());
    return String(this.lastActivityId);
  }

  record(conversationId: string, operation: BotOperation, activity: Record<string, unknown>): FeedEntry {
    const entry: FeedEntry = {
      seq: this.feed.length + 1,
      conversationId,
      receivedAt: new Date(this.ctx.now()).toISOString(),
      operation,
      activity,
    };
    this.feed.push(entry);
    return entry;
  }

  feedSince(seq: number): FeedEntry[] {
    return this.feed.slice(Math.max(0, seq));
  }

  hasActivity(conversationId: string, activityId: string): boolean {
    const thread = threadOf(conversationId);
    return this.feed.some((e) => threadOf(e.conversationId) === thread && e.activity.id === activityId);
  }
}

const states = new WeakMap<SandboxContext, ConnectorState>();

export function connectorState(ctx: SandboxContext): ConnectorState {
  let state = states.get(ctx);
  if (!state) {
    state = new ConnectorState(ctx);
    states.set(ctx, state);
  }
  return state;
}
