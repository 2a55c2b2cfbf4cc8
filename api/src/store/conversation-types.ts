/**
 * The bot's conversation subscriptions: one row per Teams conversation the bot is installed in
 * (a user's personal chat or a team's channel). The stored conversation reference is what the
 * notifier needs to post proactively; `removedAt` keeps the history once the bot is removed.
 */
import type { IsoInstant, JsonObject } from './types';

export const CONVERSATION_SCOPES = ['personal', 'team'] as const;
export type ConversationScope = (typeof CONVERSATION_SCOPES)[number];

export interface ConversationSubscription {
  /** Teams conversation id (`a:…` personal, `19:…@thread.tacv2` team channel). */
  conversationId: string;
  /** Entra tenant id the conversation belongs to; alerts of this tenant only go here. */
  tenantId: string;
  scope: ConversationScope;
  /** botbuilder ConversationReference as JSON (serviceUrl, conversation, bot, channelId, …). */
  reference: JsonObject;
  /** Entra object id of the user who installed the bot (or the team member who added it). */
  installedBy: string;
  /** Alerts to this conversation are suppressed until then (bot command `mute 24h`). */
  mutedUntil?: IsoInstant;
  createdAt: IsoInstant;
  updatedAt: IsoInstant;
  /** Set when the bot was removed (uninstall, or Teams answered 403 BotNotInConversationRoster). */
  removedAt?: IsoInstant;
}
