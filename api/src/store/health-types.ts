/**
 * Health records at the store boundary: per-integration health state, check history, and the alert
 * outbox the notifier drains. Instants are canonical ISO strings, as in types.ts.
 */
import type { IsoInstant, JsonObject } from './types';

export const HEALTH_STATES = ['healthy', 'degraded', 'failing'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export const CHECK_NAMES = [
  'token',
  'certificate',
  'secret',
  'mailbox',
  'rooms',
  'ewsAllowList',
  'scope',
  'ewsRetirement',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export const CHECK_STATUSES = ['ok', 'warn', 'fail'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** A check's diagnostic as the error family renders it; never a secret. */
export interface CheckDiagnostic {
  kind: string;
  code: string;
  message: string;
  remediation: string;
  retryAfterMs?: number;
}

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  diagnostic?: CheckDiagnostic;
  detail?: JsonObject;
  durationMs: number;
}

/** One check result kept as history; `runId` groups the results of one run. */
export interface HealthResult extends CheckResult {
  id: string;
  runId: string;
  tenantId: string;
  integrationId: string;
  checkedAt: IsoInstant;
}

/**
 * Per integration: the current health state and the scheduler's bookkeeping. The lease
 * (`leaseOwner` until `leaseExpiresAt`) is what keeps two workers sharing a database from checking
 * the same integration at once; an expired lease is free for anyone to take.
 */
export interface IntegrationHealth {
  integrationId: string;
  tenantId: string;
  state: HealthState;
  /** When the current state began. */
  since: IsoInstant;
  /** Runs in a row that observed a failure (damping: failing is confirmed after N). */
  consecutiveFailures: number;
  /** Runs in a row that observed a warning or a failure (damping: degraded is confirmed after N). */
  consecutiveWarnings?: number;
  /** When the current streak of failures began. */
  failingSince?: IsoInstant;
  /** The lowest certificate threshold (days) already alerted; cleared once the certificate is renewed. */
  certificateThresholdAlerted?: number;
  /** The lowest EWS-retirement threshold (days) already alerted; cleared once the connection moved to Graph. */
  ewsRetirementThresholdAlerted?: number;
  /** Where the next run's room sample starts in the sorted room list. */
  roomCursor: number;
  lastRunAt?: IsoInstant;
  nextRunAt: IsoInstant;
  /** Exchange or Entra asked us to wait (throttling): no run, manual or scheduled, before this. */
  backoffUntil?: IsoInstant;
  /** The notifier does not deliver this tenant's alerts before this (bot command `mute 24h`). */
  mutedUntil?: IsoInstant;
  leaseOwner?: string;
  leaseExpiresAt?: IsoInstant;
}

export const ALERT_KINDS = [
  'failing',
  'degraded',
  'recovered',
  'certificate_expiring',
  'ews_retiring',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** One alert in the outbox: written in the transaction that changed the health state. */
export interface HealthAlert {
  id: string;
  tenantId: string;
  integrationId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  title: string;
  summary: string;
  failingCheck?: CheckName;
  /** The failing check's exact Microsoft error code. */
  microsoftCode?: string;
  remediation?: string;
  /** When the state this alert announces began. */
  since: IsoInstant;
  createdAt: IsoInstant;
  /** When the notifier fanned it out to the tenant's conversations; unset until then. */
  plannedAt?: IsoInstant;
}

/**
 * Delivery bookkeeping, one row per (alert, conversation). The notifier
 *  1. plans: `listUnplannedAlerts` → `planAlertDeliveries(alert, conversations)` inserts one pending
 *     row per subscribed conversation and stamps the alert planned, in one statement batch, so a
 *     restart re-plans nothing twice (the key is (alertId, conversationId));
 *  2. claims: `claimAlertDeliveries` leases due pending rows to one notifier process and counts the
 *     attempt, so two processes never send the same row and a crash only loses the lease
 *     (`claimNextDeliveryPerConversation` does the same for the oldest pending row of each
 *     conversation with none leased: one at a time per conversation, in plan order);
 *  3. settles: `settleAlertDelivery` (only by the lease holder) marks it sent with the activity id,
 *     pending again with `nextAttemptAt` (429/412/502/504, Retry-After), failed for good, or
 *     suppressed (tenant muted: the outbox keeps every alert, the notifier honours the mute).
 * A row is sent at most once unless the process dies between Teams accepting the activity and
 * `settleAlertDelivery` committing; then the lease expires and it is sent again.
 */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface AlertDelivery {
  alertId: string;
  conversationId: string;
  tenantId: string;
  status: DeliveryStatus;
  /** Claims so far (a claim counts as an attempt, whether or not it got to send). */
  attempts: number;
  nextAttemptAt: IsoInstant;
  lastError?: string;
  /** The activity id Teams returned for the sent card (to update or reply to it later). */
  sentActivityId?: string;
  leaseOwner?: string;
  leaseExpiresAt?: IsoInstant;
  updatedAt: IsoInstant;
}
