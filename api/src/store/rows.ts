/**
 * Row → record mappers, shared by the SQLite and PostgreSQL adapters: both hand rows over with
 * instants as canonical ISO text and JSON columns as text. Every row is parsed with zod, JSON
 * columns included, so a row edited by hand or written by another build fails loudly here instead
 * of deep inside a use case.
 */
import { z } from 'zod';
import { StoreCorruptDataError } from './errors';
import {
  ACCESS_SCOPES,
  AUDIT_RESULTS,
  INTEGRATION_METHODS,
  MODERN_PROTOCOLS,
  INTEGRATION_STATUSES,
  VERIFICATION_OUTCOMES,
  VERIFICATION_STEP_STATUSES,
  type AuditEntry,
  type ConsentState,
  type Integration,
  type Tenant,
  type VerificationTrace,
} from './types';

/** SQL NULL becomes an absent optional field. */
export const optionalText = z
  .string()
  .nullable()
  .transform((v) => v ?? undefined);

export function jsonText<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const jsonObject = z.record(z.string(), z.json());

const integrationErrorSchema = z.object({
  kind: z.string(),
  code: z.string(),
  message: z.string(),
  remediation: z.string(),
});

const verificationStepSchema = z.object({
  name: z.string(),
  status: z.enum(VERIFICATION_STEP_STATUSES),
  durationMs: z.number().nonnegative(),
  code: z.string().optional(),
  message: z.string().optional(),
  remediation: z.string().optional(),
  detail: jsonObject.optional(),
});

const tenantRow = z
  .object({ id: z.string(), display_name: optionalText, created_at: z.string() })
  .transform((r): Tenant => ({ id: r.id, displayName: r.display_name, createdAt: r.created_at }));

const integrationRow = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    method: z.enum(INTEGRATION_METHODS),
    status: z.enum(INTEGRATION_STATUSES),
    ews_url: optionalText,
    autodiscover_address: optionalText,
    service_account: optionalText,
    secret_id: optionalText,
    verified_mailbox: optionalText,
    verified_at: optionalText,
    consented_by: optionalText,
    consented_at: optionalText,
    protocol: z
      .enum(MODERN_PROTOCOLS)
      .nullable()
      .transform((v) => v ?? undefined),
    access_scope: z
      .enum(ACCESS_SCOPES)
      .nullable()
      .transform((v) => v ?? undefined),
    service_principal_id: optionalText,
    verification_mailbox: optionalText,
    verification_mailbox_chosen_by: optionalText,
    verification_mailbox_chosen_at: optionalText,
    last_error: jsonText(integrationErrorSchema)
      .nullable()
      .transform((v) => v ?? undefined),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.number().int().positive(),
  })
  .transform((r): Integration => ({
    id: r.id,
    tenantId: r.tenant_id,
    method: r.method,
    status: r.status,
    ewsUrl: r.ews_url,
    autodiscoverAddress: r.autodiscover_address,
    serviceAccount: r.service_account,
    secretId: r.secret_id,
    verifiedMailbox: r.verified_mailbox,
    verifiedAt: r.verified_at,
    consentedBy: r.consented_by,
    consentedAt: r.consented_at,
    protocol: r.protocol,
    accessScope: r.access_scope,
    servicePrincipalId: r.service_principal_id,
    verificationMailbox: r.verification_mailbox,
    verificationMailboxChosenBy: r.verification_mailbox_chosen_by,
    verificationMailboxChosenAt: r.verification_mailbox_chosen_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  }));

const traceRow = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    tenant_id: z.string(),
    outcome: z.enum(VERIFICATION_OUTCOMES),
    mailbox: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    steps: jsonText(z.array(verificationStepSchema)),
  })
  .transform((r): VerificationTrace => ({
    id: r.id,
    integrationId: r.integration_id,
    tenantId: r.tenant_id,
    outcome: r.outcome,
    mailbox: r.mailbox,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    steps: r.steps,
  }));

const consentStateRow = z
  .object({
    tenant_id: z.string(),
    // Consents asked before Graph existed were for EWS.
    protocol: z
      .enum(MODERN_PROTOCOLS)
      .nullable()
      .transform((v) => v ?? 'ews'),
    user_id: z.string(),
    upn: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    used_at: optionalText,
  })
  .transform((r): ConsentState => ({
    tenantId: r.tenant_id,
    protocol: r.protocol,
    userId: r.user_id,
    upn: r.upn,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
  }));

const auditRow = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    actor_oid: z.string(),
    actor_upn: z.string(),
    action: z.string(),
    target: optionalText,
    result: z.enum(AUDIT_RESULTS),
    detail: jsonText(jsonObject)
      .nullable()
      .transform((v) => v ?? undefined),
    at: z.string(),
  })
  .transform((r): AuditEntry => ({
    id: r.id,
    tenantId: r.tenant_id,
    actorOid: r.actor_oid,
    actorUpn: r.actor_upn,
    action: r.action,
    target: r.target,
    result: r.result,
    detail: r.detail,
    at: r.at,
  }));

export function mapper<T>(table: string, schema: z.ZodType<T>): (row: unknown) => T {
  return (row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new StoreCorruptDataError(
        `A row of ${table} does not match its schema: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  };
}

export const toTenant = mapper('tenants', tenantRow);
export const toIntegration = mapper('integrations', integrationRow);
export const toTrace = mapper('verification_traces', traceRow);
export const toConsentState = mapper('consent_states', consentStateRow);
export const toAuditEntry = mapper('audit_log', auditRow);
