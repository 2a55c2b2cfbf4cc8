/**
 * Everything the bot needs from the rest of the app, as ports: its conversations, the alert
 * outbox, what the status card reports, "check now", who the recognised admins are, and its own
 * Bot Framework token. The composition root hands in the adapters; the bot never reaches into the
 * store's, the health monitor's or msal-node's implementations.
 */
import type { ConversationStoreOperations } from '../../api/src/store/conversation-port';
import type { HealthStoreOperations } from '../../api/src/store/health-port';
export type { StatusReader, StatusReport } from '../../api/src/status/port';
export type { CheckNow, CheckNowOutcome } from '../../api/src/health/port';
export type { RecognisedAdmins } from '../../api/src/identity/port';
export type { Logger } from 'pino';

/** Where the bot keeps the conversations it is installed in (install, remove, mute). */
export type ConversationDirectory = ConversationStoreOperations;

/** The durable alert outbox the notifier drains. */
export type AlertOutbox = Pick<
  HealthStoreOperations,
  | 'listUnplannedAlerts'
  | 'planAlertDeliveries'
  | 'claimAlertDeliveries'
  | 'settleAlertDelivery'
  | 'listAlertDeliveries'
  | 'listAlerts'
  | 'claimNextDeliveryPerConversation'
  | 'sentActivityOf'
  | 'incidentClosedBy'
>;

/**
 * The bot's token for the Bot Framework connector (client credentials for the bot's app id in the
 * bot's tenant), from the app's one msal-node wrapper. Resolves from its cache while the token has
 * more than five minutes left.
 */
export interface BotTokenSource {
  getAccessToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number }>;
}

export type BotStore = ConversationDirectory & AlertOutbox;
