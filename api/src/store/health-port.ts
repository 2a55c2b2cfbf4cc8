/**
 * The health scheduler's and the notifier's part of the store. Like the rest of the port, every
 * tenant-owned read and write names the tenant; the cross-tenant claims say so.
 */
import type {
  AlertDelivery,
  CheckResult,
  HealthAlert,
  HealthResult,
  IntegrationHealth,
} from './health-types';
import type { Integration, IntegrationStatus, IsoInstant } from './types';
import type { ListOptions } from './port';

export interface HealthClaim {
  integration: Integration;
  health: IntegrationHealth;
}

export interface ClaimDueHealthOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
  /** Integrations in these statuses are monitored. */
  statuses: readonly IntegrationStatus[];
}

export interface ClaimHealthOptions {
  tenantId: string;
  owner: string;
  now: Date;
  leaseMs: number;
  statuses: readonly IntegrationStatus[];
}

/** The fields of IntegrationHealth a finished run writes; the lease is released by the write. */
export type HealthUpdate = Omit<
  IntegrationHealth,
  'integrationId' | 'tenantId' | 'mutedUntil' | 'leaseOwner' | 'leaseExpiresAt'
>;

export interface HealthRunInput {
  integrationId: string;
  tenantId: string;
  /** The lease holder; StoreConflictError if the lease is no longer this owner's. */
  owner: string;
  runId: string;
  checkedAt: IsoInstant;
  results: readonly CheckResult[];
  health: HealthUpdate;
}

export type AlertInput = Omit<HealthAlert, 'id' | 'createdAt' | 'plannedAt'>;

export interface ClaimDeliveriesOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
}

/** claimNextDeliveryPerConversation: a claim that can leave some tenants for later. */
export interface ClaimNextDeliveriesOptions extends ClaimDeliveriesOptions {
  /** Tenants whose deliveries this claim leaves alone (their client-side rate limit is full right now). */
  skipTenants?: readonly string[];
}

export interface ClaimedDelivery {
  delivery: AlertDelivery;
  alert: HealthAlert;
  /** The tenant's mute, read in the same statement, so the notifier can suppress the delivery. */
  mutedUntil?: IsoInstant;
}

export type DeliveryOutcome =
  | { status: 'sent'; activityId: string }
  | { status: 'pending'; nextAttemptAt: IsoInstant; error: string }
  | { status: 'failed'; error: string }
  | { status: 'suppressed' };

export interface SettleDeliveryInput {
  alertId: string;
  conversationId: string;
  owner: string;
  outcome: DeliveryOutcome;
}

export interface HealthStoreOperations {
  /**
   * Cross-tenant: leases up to `limit` monitored integrations whose next run is due (never checked
   * ones first, then oldest due), in one atomic statement, so concurrent workers never get the
   * same one. Creates the health record of an integration seen for the first time.
   */
  claimDueHealthChecks(options: ClaimDueHealthOptions): Promise<HealthClaim[]>;
  /** Leases the tenant's integration whatever its due time ("check now"); undefined if leased elsewhere or not monitored. */
  claimHealthCheck(options: ClaimHealthOptions): Promise<HealthClaim | undefined>;
  /** Gives a lease back without a result (shutdown, run aborted). */
  releaseHealthLease(integrationId: string, tenantId: string, owner: string): Promise<void>;
  /** Writes the run's results as history and the new health record; see HealthRunInput.owner. */
  recordHealthRun(run: HealthRunInput): Promise<void>;
  /** The active integration's health record. */
  getIntegrationHealth(tenantId: string): Promise<IntegrationHealth | undefined>;
  /** Sets or clears (undefined) the tenant's mute; false when the tenant has no health record yet. */
  setHealthMute(tenantId: string, mutedUntil: IsoInstant | undefined): Promise<boolean>;
  /** Newest first. */
  listHealthResults(tenantId: string, options: ListOptions): Promise<HealthResult[]>;
  /** Deletes results checked before `before`; returns how many. */
  pruneHealthResults(before: Date): Promise<number>;

  addAlert(alert: AlertInput): Promise<HealthAlert>;
  /** Newest first. */
  listAlerts(tenantId: string, options: ListOptions): Promise<HealthAlert[]>;
  /** Cross-tenant, oldest first: alerts not yet fanned out to conversations. */
  listUnplannedAlerts(options: ListOptions): Promise<HealthAlert[]>;
  /**
   * Adds one pending delivery per conversation (existing pairs are kept as they are) and marks the
   * alert planned. StoreNotFoundError for an unknown alert. Returns the alert's deliveries.
   */
  planAlertDeliveries(
    alertId: string,
    conversationIds: readonly string[],
    now: Date,
  ): Promise<AlertDelivery[]>;
  /** Cross-tenant: leases due pending deliveries (oldest first) and counts the attempt. */
  claimAlertDeliveries(options: ClaimDeliveriesOptions): Promise<ClaimedDelivery[]>;
  /** Settles a claimed delivery; StoreConflictError if `owner` no longer holds its lease. */
  settleAlertDelivery(input: SettleDeliveryInput): Promise<AlertDelivery>;
  listAlertDeliveries(tenantId: string, alertId: string): Promise<AlertDelivery[]>;
  /**
   * Cross-tenant: leases the next delivery of up to `limit` conversations and counts the attempt.
   * A conversation's next delivery is its oldest pending one in plan order; it is leased only if it
   * is due and no pending delivery of that conversation is leased right now (oldest due first). So
   * every notifier sharing the database sends one conversation's deliveries one at a time and in
   * order, and a delivery rescheduled to later (a 429's Retry-After) holds back its conversation
   * only. Deliveries leased by claimAlertDeliveries count as leased here too.
   */
  claimNextDeliveryPerConversation(options: ClaimNextDeliveriesOptions): Promise<ClaimedDelivery[]>;
  /** The activity id Teams returned for the card of (alert, conversation), once that delivery is sent. */
  sentActivityOf(tenantId: string, alertId: string, conversationId: string): Promise<string | undefined>;
  /**
   * The incident an alert closes: the newest failing or degraded alert of the same integration raised
   * before it, unless a recovery came between (then undefined). undefined for an unknown alert or one
   * of another tenant. Certificate warnings neither open nor close an incident.
   */
  incidentClosedBy(tenantId: string, alertId: string): Promise<HealthAlert | undefined>;
}
