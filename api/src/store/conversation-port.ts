/**
 * The bot's part of the store: conversation subscriptions. Like the rest of the port, every read
 * and write names the tenant, and a conversation can never move from one tenant to another.
 */
import type { ChannelAlertChoice, ConversationScope, ConversationSubscription } from './conversation-types';
import type { IsoInstant, JsonObject } from './types';

export interface ConversationSubscriptionInput {
  conversationId: string;
  tenantId: string;
  scope: ConversationScope;
  reference: JsonObject;
  installedBy: string;
}

/** What takeCheckSlot answers: the slot, or when the next one frees (absent: no active subscription). */
export type CheckSlot = { taken: true } | { taken: false; nextCheckAt?: IsoInstant };

export interface ConversationStoreOperations {
  /**
   * Subscribes the conversation (install), or refreshes its reference and clears `removedAt`
   * (reinstall). The mute is kept; a team conversation's alert choice is not kept across a removal
   * (a reinstalled team starts with alerts off, like a new one). StoreConflictError if the
   * conversation id is stored for another tenant.
   */
  saveConversationSubscription(input: ConversationSubscriptionInput): Promise<ConversationSubscription>;
  /** The subscription, active or removed; undefined if unknown for this tenant. */
  getConversationSubscription(
    tenantId: string,
    conversationId: string,
  ): Promise<ConversationSubscription | undefined>;
  /** The tenant's active subscriptions, oldest first. */
  listConversationSubscriptions(tenantId: string): Promise<ConversationSubscription[]>;
  /** Marks the subscription removed at `now`; false if there was no active one. */
  removeConversationSubscription(tenantId: string, conversationId: string, now: Date): Promise<boolean>;
  /** Sets or clears (undefined) the conversation's mute; false if there is no active subscription. */
  setConversationMute(
    tenantId: string,
    conversationId: string,
    mutedUntil: IsoInstant | undefined,
  ): Promise<boolean>;
  /** Records an admin's `alerts on` / `alerts off`; false if there is no active subscription. */
  setChannelAlerts(tenantId: string, conversationId: string, choice: ChannelAlertChoice): Promise<boolean>;
  /**
   * The conversation's `check` rate limit, atomic across instances: takes the slot (lastCheckAt =
   * `now`) when no check ran from this conversation within `windowMs` before `now`; otherwise says
   * when the next one may run.
   */
  takeCheckSlot(tenantId: string, conversationId: string, now: Date, windowMs: number): Promise<CheckSlot>;
}
