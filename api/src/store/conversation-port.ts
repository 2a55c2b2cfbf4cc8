/**
 * The bot's part of the store: conversation subscriptions. Like the rest of the port, every read
 * and write names the tenant, and a conversation can never move from one tenant to another.
 */
import type { ConversationScope, ConversationSubscription } from './conversation-types';
import type { IsoInstant, JsonObject } from './types';

export interface ConversationSubscriptionInput {
  conversationId: string;
  tenantId: string;
  scope: ConversationScope;
  reference: JsonObject;
  installedBy: string;
}

export interface ConversationStoreOperations {
  /**
   * Subscribes the conversation (install), or refreshes its reference and clears `removedAt`
   * (reinstall). The mute is kept. StoreConflictError if the conversation id is stored for another
   * tenant.
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
}
