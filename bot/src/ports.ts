/**
 * Everything the bot needs from the rest of the app, as ports: its conversations, the alert
 * outbox, what the status card reports, and "check now". The composition root hands in the
 * adapters; the bot never reaches into the store's or the health monitor's implementations.
 */
import type { ConversationStoreOperations } from '../../api/src/store/conversation-port';
import type { HealthStoreOperations } from '../../api/src/store/health-port';
export type { StatusReader, StatusReport } from '../../api/src/status/port';
export type { CheckNow, CheckNowOutcome } from '../../api/src/health/port';
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

/** The tenant's one connection status (the same the tab shows), for the status card. */

export type BotStore = ConversationDirectory & AlertOutbox;
