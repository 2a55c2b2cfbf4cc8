/** Row → record mappers of the health tables (both adapters), parsed with zod like the rest of the store. */
import { z } from 'zod';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  CHECK_NAMES,
  CHECK_STATUSES,
  DELIVERY_STATUSES,
  HEALTH_STATES,
  type AlertDelivery,
  type HealthAlert,
  type HealthResult,
  type IntegrationHealth,
} from './health-types';
import { jsonObject, jsonText, mapper, optionalText } from './rows';

const optionalInt = z
  .number()
  .int()
  .nullable()
  .transform((v) => v ?? undefined);

const diagnosticSchema = z.object({
  kind: z.string(),
  code: z.string(),
  message: z.string(),
  remediation: z.string(),
  retryAfterMs: z.number().nonnegative().optional(),
});

const healthRow = z
  .object({
    integration_id: z.string(),
    tenant_id: z.string(),
    state: z.enum(HEALTH_STATES),
    since: z.string(),
    consecutive_failures: z.number().int().nonnegative(),
    consecutive_warnings: z.number().int().nonnegative(),
    failing_since: optionalText,
    certificate_threshold_alerted: optionalInt,
    ews_retirement_threshold_alerted: optionalInt,
    room_cursor: z.number().int().nonnegative(),
    last_run_at: optionalText,
    next_run_at: z.string(),
    backoff_until: optionalText,
    muted_until: optionalText,
    lease_owner: optionalText,
    lease_expires_at: optionalText,
  })
  .transform((r): IntegrationHealth => ({
    integrationId: r.integration_id,
    tenantId: r.tenant_id,
    state: r.state,
    since: r.since,
    consecutiveFailures: r.consecutive_failures,
    ...(r.consecutive_warnings > 0 ? { consecutiveWarnings: r.consecutive_warnings } : {}),
    ...(r.failing_since !== undefined ? { failingSince: r.failing_since } : {}),
    ...(r.certificate_threshold_alerted !== undefined
      ? { certificateThresholdAlerted: r.certificate_threshold_alerted }
      : {}),
    ...(r.ews_retirement_threshold_alerted !== undefined
      ? { ewsRetirementThresholdAlerted: r.ews_retirement_threshold_alerted }
      : {}),
    roomCursor: r.room_cursor,
    ...(r.last_run_at !== undefined ? { lastRunAt: r.last_run_at } : {}),
    nextRunAt: r.next_run_at,
    ...(r.backoff_until !== undefined ? { backoffUntil: r.backoff_until } : {}),
    ...(r.muted_until !== undefined ? { mutedUntil: r.muted_until } : {}),
    ...(r.lease_owner !== undefined ? { leaseOwner: r.lease_owner } : {}),
    ...(r.lease_expires_at !== undefined ? { leaseExpiresAt: r.lease_expires_at } : {}),
  }));

const resultRow = z
  .object({
    id: z.string(),
    run_id: z.string(),
    integration_id: z.string(),
    tenant_id: z.string(),
    check_name: z.enum(CHECK_NAMES),
    status: z.enum(CHECK_STATUSES),
    diagnostic: jsonText(diagnosticSchema).nullable(),
    detail: jsonText(jsonObject).nullable(),
    duration_ms: z.number().nonnegative(),
    checked_at: z.string(),
  })
  .transform((r): HealthResult => ({
    id: r.id,
    runId: r.run_id,
    tenantId: r.tenant_id,
    integrationId: r.integration_id,
    check: r.check_name,
    status: r.status,
    ...(r.diagnostic ? { diagnostic: r.diagnostic } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
    durationMs: r.duration_ms,
    checkedAt: r.checked_at,
  }));

const alertRow = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    integration_id: z.string(),
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(ALERT_SEVERITIES),
    title: z.string(),
    summary: z.string(),
    failing_check: z.enum(CHECK_NAMES).nullable(),
    microsoft_code: optionalText,
    remediation: optionalText,
    since: z.string(),
    created_at: z.string(),
    planned_at: optionalText,
  })
  .transform((r): HealthAlert => ({
    id: r.id,
    tenantId: r.tenant_id,
    integrationId: r.integration_id,
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    summary: r.summary,
    ...(r.failing_check ? { failingCheck: r.failing_check } : {}),
    ...(r.microsoft_code !== undefined ? { microsoftCode: r.microsoft_code } : {}),
    ...(r.remediation !== undefined ? { remediation: r.remediation } : {}),
    since: r.since,
    createdAt: r.created_at,
    ...(r.planned_at !== undefined ? { plannedAt: r.planned_at } : {}),
  }));

const deliveryRow = z
  .object({
    alert_id: z.string(),
    conversation_id: z.string(),
    tenant_id: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int().nonnegative(),
    next_attempt_at: z.string(),
    last_error: optionalText,
    sent_activity_id: optionalText,
    lease_owner: optionalText,
    lease_expires_at: optionalText,
    updated_at: z.string(),
  })
  .transform((r): AlertDelivery => ({
    alertId: r.alert_id,
    conversationId: r.conversation_id,
    tenantId: r.tenant_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.last_error !== undefined ? { lastError: r.last_error } : {}),
    ...(r.sent_activity_id !== undefined ? { sentActivityId: r.sent_activity_id } : {}),
    ...(r.lease_owner !== undefined ? { leaseOwner: r.lease_owner } : {}),
    ...(r.lease_expires_at !== undefined ? { leaseExpiresAt: r.lease_expires_at } : {}),
    updatedAt: r.updated_at,
  }));

export const toIntegrationHealth = mapper('integration_health', healthRow);
export const toHealthResult = mapper('health_results', resultRow);
export const toHealthAlert = mapper('health_alerts', alertRow);
export const toAlertDelivery = mapper('alert_deliveries', deliveryRow);
