/**
 * Records at the store boundary. Instants are ISO-8601 UTC strings exactly as `Date#toISOString`
 * writes them (`2026-11-28T16:41:13.000Z`): readable in the database, and ordered correctly when
 * compared as text, which the adapters rely on.
 */

export type IsoInstant = string;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Tenant {
  /** Entra tenant id (`tid`). */
  id: string;
  displayName?: string;
  createdAt: IsoInstant;
}

export const INTEGRATION_METHODS = ['modern', 'basic'] as const;
export type IntegrationMethod = (typeof INTEGRATION_METHODS)[number];

export const INTEGRATION_STATUSES = [
  'pending_consent',
  'verifying',
  'pending',
  'verified',
  'failed',
  'disconnected',
] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** The last diagnostic, as the error family renders it (never a secret). */
export interface IntegrationError {
  kind: string;
  code: string;
  message: string;
  remediation: string;
}

export const MODERN_PROTOCOLS = ['graph', 'ews'] as const;
export type ModernProtocol = (typeof MODERN_PROTOCOLS)[number];

export const ACCESS_SCOPES = ['organisation', 'rooms'] as const;
/** Which mailboxes the app may open: all of them, or room mailboxes only (RBAC for Applications). */
export type AccessScope = (typeof ACCESS_SCOPES)[number];

export interface Integration {
  id: string;
  tenantId: string;
  method: IntegrationMethod;
  status: IntegrationStatus;
  /** Exchange Online: Microsoft Graph, or EWS (the legacy option until 2027-04-01). */
  protocol?: ModernProtocol;
  /** Exchange Online over Graph: proven room-only scope, or the whole organisation (default). */
  accessScope?: AccessScope;
  /** Exchange Connect's service principal object id in the customer's tenant (from its tokens). */
  servicePrincipalId?: string;
  /** The mailbox verifications open, as a Global Admin chose it, who chose it, and when. */
  verificationMailbox?: string;
  verificationMailboxChosenBy?: string;
  verificationMailboxChosenAt?: IsoInstant;
  ewsUrl?: string;
  autodiscoverAddress?: string;
  serviceAccount?: string;
  /** Key Vault secret identifier of the service account's password; never the password. */
  secretId?: string;
  verifiedMailbox?: string;
  verifiedAt?: IsoInstant;
  /** Who granted admin consent. */
  consentedBy?: string;
  consentedAt?: IsoInstant;
  lastError?: IntegrationError;
  createdAt: IsoInstant;
  updatedAt: IsoInstant;
  /** Optimistic concurrency: starts at 1, +1 on every save. */
  version: number;
}

export const VERIFICATION_OUTCOMES = ['verified', 'pending', 'failed'] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

export const VERIFICATION_STEP_STATUSES = ['ok', 'failed', 'skipped', 'pending'] as const;
export type VerificationStepStatus = (typeof VERIFICATION_STEP_STATUSES)[number];

export interface VerificationStep {
  name: string;
  status: VerificationStepStatus;
  durationMs: number;
  /** The exact Microsoft error code (AADSTS…, ErrorImpersonateUserDenied, …). */
  code?: string;
  message?: string;
  remediation?: string;
  detail?: JsonObject;
}

export interface VerificationTrace {
  id: string;
  integrationId: string;
  tenantId: string;
  outcome: VerificationOutcome;
  /** The mailbox the verification opened (the admin's, or a room the admin picked). */
  mailbox: string;
  startedAt: IsoInstant;
  finishedAt: IsoInstant;
  steps: VerificationStep[];
}

/** An admin-consent `state`. The store keeps only its SHA-256, so the clear value is never returned. */
export interface ConsentState {
  tenantId: string;
  /** Which API's permissions the consent asked for. */
  protocol: ModernProtocol;
  /** Entra object id (`oid`) of the admin who asked for the consent URL. */
  userId: string;
  upn: string;
  createdAt: IsoInstant;
  expiresAt: IsoInstant;
  usedAt?: IsoInstant;
}

export const AUDIT_RESULTS = ['success', 'failure'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditEntry {
  id: string;
  tenantId: string;
  actorOid: string;
  actorUpn: string;
  /** e.g. `integration.connect.basic`, `integration.verify`, `integration.disconnect`. */
  action: string;
  target?: string;
  result: AuditResult;
  /** Caller-supplied context; callers must never put secrets here. */
  detail?: JsonObject;
  at: IsoInstant;
}
