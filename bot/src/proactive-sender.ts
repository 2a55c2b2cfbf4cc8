/**
 * Proactive sends through botbuilder (continueConversationAsync with the stored reference), and
 * the one place botbuilder's send errors become our DeliveryError. The adapter's proactive
 * ConnectorClients do not retry (adapter.ts): a 429 or 5xx arrives here from the first request,
 * with its Retry-After, and the notifier reschedules that conversation alone.
 */
import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { cardAttachment, type AdaptiveCard } from './cards/card';

export type DeliveryErrorKind =
  /** 429, 412, 502, 504 (and other 5xx): try again later, after `retryAfterMs` if the service said. */
  | 'retryable'
  /** 403 BotNotInConversationRoster (or the conversation is gone): unsubscribe, never retry. */
  | 'not_in_conversation'
  /** Anything else (400, 401, 413…): retrying will not help. */
  | 'rejected';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly statusCode?: number,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface AlertSender {
  /** Posts the card; resolves with the new activity's id. */
  send(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<string>;
  /** Replaces an earlier activity's card (closing an incident in place). */
  update(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCard): Promise<void>;
}

interface RestLikeError {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { headers?: { get?: (name: string) => string | undefined | null } };
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

export function toDeliveryError(error: unknown, nowMs: number): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestLikeError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after'), nowMs);
  if (
    (status === 403 && code === 'BotNotInConversationRoster') ||
    (status === 404 && code === 'ConversationNotFound')
  ) {
    return new DeliveryError('not_in_conversation', message, status, code);
  }
  // No status at all: the request never got an answer (reset, timeout, DNS): worth another try.
  if (status === undefined || RETRYABLE.has(status)) {
    return new DeliveryError('retryable', message, status, code, retryAfterMs);
  }
  return new DeliveryError('rejected', message, status, code);
}

export class BotFrameworkAlertSender implements AlertSender {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly botAppId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async send(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<string> {
    let id: string | undefined;
    await this.run(reference, async (turn) => {
      id = (await turn.sendActivity({ attachments: [cardAttachment(card)] }))?.id;
    });
    if (!id) throw new DeliveryError('rejected', 'Teams accepted the card but returned no activity id.');
    return id;
  }

  async update(
    reference: Partial<ConversationReference>,
    activityId: string,
    card: AdaptiveCard,
  ): Promise<void> {
    await this.run(reference, async (turn) => {
      await turn.updateActivity({ id: activityId, type: 'message', attachments: [cardAttachment(card)] });
    });
  }

  private async run(
    reference: Partial<ConversationReference>,
    logic: (turn: TurnContext) => Promise<void>,
  ): Promise<void> {
    // The send's error is caught inside the turn: otherwise the adapter's onTurnError (meant for
    // incoming turns) would swallow it and the notifier could not tell a 429 from a success.
    let failure: { error: unknown } | undefined;
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (turn) => {
        try {
          await logic(turn);
        } catch (error) {
          failure = { error };
        }
      });
    } catch (error) {
      failure = { error };
    }
    if (failure) throw toDeliveryError(failure.error, this.now());
  }
}
