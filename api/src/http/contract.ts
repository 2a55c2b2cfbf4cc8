/**
 * The tab ↔ API contract, single-sourced: zod schemas for every `/api/…` route, from which the
 * routes validate their input and both sides take their TypeScript types (`z.infer`). The tab
 * imports types only (`import type`), so no schema code reaches the browser bundle.
 *
 * Every call carries `Authorization: Bearer <Teams SSO token>`. Errors are
 * `application/problem+json` bodies of type ProblemBody with a stable `code`.
 *
 *   GET    /api/me                          → MeView
 *   GET    /api/integration                 → IntegrationStatusView
 *   POST   /api/integrations/modern/consent ConsentStartRequest → ConsentStartView
 *   GET    /auth/consent/start?state=…      (opened by authentication.authenticate: 302 to Entra)
 *   GET    /auth/consent/callback           (Entra's redirect: 302 to /tab/consent-end.html#result=…)
 *   POST   /api/sealing-key                 SealingKeyRequest → SealingKeyView (a single-use grant)
 *   POST   /api/integrations/basic          ConnectBasicRequest → VerificationView ¹
 *   PUT    /api/integration/password        UpdatePasswordRequest → VerificationView ¹
 *   POST   /api/integration/verify          VerifyRequest → VerificationView ¹
 *   POST   /api/integration/scope/verify    ScopeProofRequest → VerificationView ¹ (room-only scope)
 *   DELETE /api/integration                 → 204
 *   GET    /api/integration/audit           → AuditView
 *   POST   /api/integration/health/check    → HealthView (runs the health checks now)
 *
 * ¹ With `Accept: application/x-ndjson` these answer 200 `application/x-ndjson` once verification
 *   has started: one VerificationStreamEvent per line, a `step` line as each step settles, then one
 *   `result` line (or an `error` line if it broke off). Refusals before verification starts
 *   (invalid request, not a Global Admin, endpoint not allowed, …) stay problem+json.
 */
import { z } from 'zod';
import { isServiceAccountName, SERVICE_ACCOUNT_RULE } from '../exchange/addresses';
import { STEP_NAMES } from '../integrations/steps';
import { CHECK_NAMES } from '../store/health-types';

const email = z.string().trim().toLowerCase().email().max(320);
const base64Url = /^[A-Za-z0-9_-]+$/;
const isoInstant = z.string();
const record = z.record(z.string(), z.unknown());

export const methodSchema = z.enum(['modern', 'basic']);
export const integrationStatusSchema = z.enum([
  'pending_consent',
  'verifying',
  'pending',
  'verified',
  'failed',
  'disconnected',
]);
export const stepStatusSchema = z.enum(['ok', 'failed', 'skipped', 'pending']);
export const outcomeSchema = z.enum(['verified', 'pending', 'failed']);
export const stepNameSchema = z.enum(STEP_NAMES);
export const checkNameSchema = z.enum(CHECK_NAMES);

export const problemBodySchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  /** Stable, machine-readable: `invalid_request`, `not_global_admin`, `invalid_state`, an error kind… */
  code: z.string(),
  detail: z.string(),
  /** Microsoft's code, when the problem comes from a Microsoft service. */
  microsoftCode: z.string().optional(),
  remediation: z.string().optional(),
  /** Quote it to support: the same id is in the server's log line for this request. */
  correlationId: z.string().optional(),
  issues: z
    .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
    .optional(),
});

export const diagnosticViewSchema = z.object({
  kind: z.string(),
  code: z.string(),
  message: z.string(),
  remediation: z.string(),
  retryAfterMs: z.number().optional(),
});

export const meViewSchema = z.object({
  upn: z.string(),
  tenantId: z.string(),
  name: z.string().optional(),
  isGlobalAdmin: z.boolean(),
});

export const stepViewSchema = z.object({
  name: stepNameSchema,
  status: stepStatusSchema,
  durationMs: z.number(),
  code: z.string().optional(),
  message: z.string().optional(),
  remediation: z.string().optional(),
  detail: record.optional(),
});

export const verificationViewSchema = z.object({
  outcome: outcomeSchema,
  mailbox: z.string(),
  startedAt: isoInstant,
  finishedAt: isoInstant,
  steps: z.array(stepViewSchema),
  diagnostic: diagnosticViewSchema.optional(),
  retryAfterMs: z.number().optional(),
});

/** One line of a verification's NDJSON stream (see ¹ above). */
export const verificationStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step'), step: stepViewSchema }),
  z.object({ type: z.literal('result'), verification: verificationViewSchema }),
  z.object({ type: z.literal('error'), problem: problemBodySchema }),
]);

export const protocolSchema = z.enum(['graph', 'ews']);

export const integrationViewSchema = z.object({
  id: z.string(),
  method: methodSchema,
  status: integrationStatusSchema,
  /** Exchange Online: Microsoft Graph, or EWS (legacy, ends 2027-04-01). Exchange Server: EWS. */
  protocol: protocolSchema,
  /** Exchange Online over Graph: the whole organisation, or room mailboxes only (proven). */
  accessScope: z.enum(['organisation', 'rooms']).optional(),
  /** Our service principal's object id in the customer's tenant (for New-ServicePrincipal). */
  servicePrincipalId: z.string().optional(),
  /** The mailbox verifications open, who chose it and when. */
  verificationMailbox: z.string().optional(),
  verificationMailboxChosenBy: z.string().optional(),
  verificationMailboxChosenAt: isoInstant.optional(),
  /** Exchange Online over EWS: when EWS ends, and how many days are left. */
  ewsRetirement: z.object({ endsOn: z.string(), daysLeft: z.number().int() }).optional(),
  ewsUrl: z.string().optional(),
  /** Exchange Server found by Autodiscover: the address it was found for. */
  autodiscoverAddress: z.string().optional(),
  serviceAccount: z.string().optional(),
  verifiedMailbox: z.string().optional(),
  verifiedAt: isoInstant.optional(),
  consentedBy: z.string().optional(),
  consentedAt: isoInstant.optional(),
  lastError: diagnosticViewSchema.optional(),
  updatedAt: isoInstant,
});

export const healthCheckViewSchema = z.object({
  check: checkNameSchema,
  status: z.enum(['ok', 'warn', 'fail']),
  checkedAt: isoInstant,
  code: z.string().optional(),
  message: z.string().optional(),
  remediation: z.string().optional(),
  detail: record.optional(),
});

/** The scheduled health monitoring of the connection. */
export const healthViewSchema = z.object({
  state: z.enum(['healthy', 'degraded', 'failing']),
  /** When the current state began. */
  since: isoInstant,
  lastRunAt: isoInstant.optional(),
  nextRunAt: isoInstant,
  mutedUntil: isoInstant.optional(),
  /** The results of the last run. */
  checks: z.array(healthCheckViewSchema),
});

/** The one status (api/src/status/connection-status.ts) the tab, the bot and the CLI all show. */
export const connectionStatusViewSchema = z.object({
  headline: z.enum([
    'not_connected',
    'connecting',
    'pending',
    'needs_attention',
    'checking',
    'healthy',
    'degraded',
    'failing',
  ]),
  tone: z.enum(['neutral', 'success', 'warning', 'danger']),
  connection: z.string().optional(),
  title: z.string(),
  summary: z.string(),
  cause: z
    .object({
      source: z.enum(['verification', 'health']),
      label: z.string(),
      code: z.string(),
      message: z.string(),
      remediation: z.string(),
    })
    .optional(),
  notes: z.array(
    z.object({
      kind: z.enum([
        'admin_left',
        'ews_retiring',
        'ews_ended',
        'room_scope',
        'certificate_expiring',
        'earlier_verification_failed',
      ]),
      text: z.string(),
    }),
  ),
  certificate: z.object({ notAfter: isoInstant, daysLeft: z.number() }).optional(),
  rooms: z.array(
    z.object({
      address: z.string(),
      name: z.string().optional(),
      reachable: z.boolean(),
      code: z.string().optional(),
      remediation: z.string().optional(),
      checkedAt: isoInstant,
      source: z.enum(['health', 'verification']),
    }),
  ),
});

export const integrationStatusViewSchema = z.object({
  /** Our app registration's client id (for the EWS allow-list command). */
  appId: z.string(),
  integration: integrationViewSchema.nullable(),
  latestVerification: verificationViewSchema.nullable(),
  /** Null until the first health check ran. */
  health: healthViewSchema.nullable(),
  /** The headline, its cause, notes and the rooms: what every surface shows. */
  status: connectionStatusViewSchema,
});

/** Microsoft Graph by default; EWS is the legacy option for Exchange Online until 2027-04-01. */
export const consentStartRequestSchema = z.strictObject({
  protocol: protocolSchema.default('graph'),
});

export const consentStartViewSchema = z.object({
  /** Entra's admin-consent URL for the admin's own tenant. */
  consentUrl: z.string(),
  /** Our page that redirects to consentUrl: open it with `authentication.authenticate`. */
  startUrl: z.string(),
  expiresAt: isoInstant,
});

/** A public JSON Web Key, as WebCrypto imports it. */
export const publicJwkSchema = z.object({
  kty: z.string(),
  n: z.string().optional(),
  e: z.string().optional(),
  alg: z.string().optional(),
  kid: z.string().optional(),
  use: z.string().optional(),
});

export const sealingPurposeSchema = z.enum(['connect', 'update']);

/** What the sealed password will be used for: connecting with Basic, or a new password. */
export const sealingKeyRequestSchema = z.strictObject({ purpose: sealingPurposeSchema });

/** What the sealed envelope's protected header must carry (api/src/secrets/seal-password.ts). */
export const sealingBindingSchema = z.object({
  tid: z.string(),
  oid: z.string(),
  purpose: sealingPurposeSchema,
  /** Single-use: one sealed password may carry it. */
  nonce: z.string(),
  /** Seconds since the epoch: the server refuses the envelope from then on. */
  exp: z.number().int(),
});

export const sealingKeyViewSchema = z.object({
  kid: z.string(),
  jwk: publicJwkSchema,
  binding: sealingBindingSchema,
  expiresAt: isoInstant,
});

/** A password sealed in the browser to the server's public key; never the password itself. */
export const sealedPasswordBodySchema = z.strictObject({
  /** RFC 7638 thumbprint of the sealing key: base64url of a SHA-256 digest (43 characters). */
  kid: z.string().regex(base64Url, 'must be base64url').max(128),
  /** A compact JWE (five base64url parts) whose protected header carries the binding. */
  ciphertext: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){2}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/, 'must be a compact JWE')
    .max(4096),
});

export const connectBasicRequestSchema = z
  .strictObject({
    /** Either the EWS URL… */
    ewsUrl: z.string().trim().url().max(2048).optional(),
    /** …or an e-mail address to find it with Autodiscover. */
    autodiscoverAddress: email.optional(),
    serviceAccount: z.string().trim().max(320).refine(isServiceAccountName, SERVICE_ACCOUNT_RULE),
    sealedPassword: sealedPasswordBodySchema,
  })
  .refine((b) => Boolean(b.ewsUrl) !== Boolean(b.autodiscoverAddress), {
    message: 'Give either ewsUrl or autodiscoverAddress, not both.',
    path: ['ewsUrl'],
  });

export const updatePasswordRequestSchema = z.strictObject({ sealedPassword: sealedPasswordBodySchema });

export const verifyRequestSchema = z.strictObject({
  /** A room mailbox to verify with instead of the admin's own (app scoped to rooms). */
  mailbox: email.optional(),
  /** Re-checks while pending count up from 0, so the server backs off further each time. */
  attempt: z.number().int().min(0).max(100).optional(),
  /** The tab re-checking by itself (not an admin's click): summarised in the audit log. */
  automatic: z.boolean().optional(),
});

/** Prove "Limit Exchange Connect to room mailboxes": `room` opens, `outside` is refused. */
export const scopeProofRequestSchema = z.strictObject({
  room: email,
  /** A user mailbox outside the scope; by default the signed-in admin's own. */
  outside: email.optional(),
});

export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditViewSchema = z.object({
  entries: z.array(
    z.object({
      at: isoInstant,
      actorUpn: z.string(),
      action: z.string(),
      result: z.enum(['success', 'failure']),
      target: z.string().optional(),
      /** What came of it (a verification's outcome and Microsoft's code), never what was entered. */
      outcome: z.string().optional(),
      code: z.string().optional(),
      /** Automatic re-checks in a row, folded into this one row: how many, and the earliest. */
      count: z.number().int().optional(),
      since: isoInstant.optional(),
    }),
  ),
});

/**
 * The consent outcome. The callback redirects the popup to `/tab/consent-end.html#result=<base64url
 * of this JSON>`; that page hands it to the tab with `authentication.notifySuccess(json)`.
 */
export const consentPopupResultSchema = z.object({
  outcome: z.enum(['granted', 'declined', 'failed']),
  code: z.string().optional(),
  message: z.string().optional(),
  remediation: z.string().optional(),
});

export type Method = z.infer<typeof methodSchema>;
export type IntegrationStatus = z.infer<typeof integrationStatusSchema>;
export type StepStatus = z.infer<typeof stepStatusSchema>;
export type Outcome = z.infer<typeof outcomeSchema>;
export type ProblemBody = z.infer<typeof problemBodySchema>;
export type DiagnosticView = z.infer<typeof diagnosticViewSchema>;
export type MeView = z.infer<typeof meViewSchema>;
export type StepView = z.infer<typeof stepViewSchema>;
export type VerificationView = z.infer<typeof verificationViewSchema>;
export type VerificationStreamEvent = z.infer<typeof verificationStreamEventSchema>;
export type IntegrationView = z.infer<typeof integrationViewSchema>;
export type HealthCheckView = z.infer<typeof healthCheckViewSchema>;
export type HealthView = z.infer<typeof healthViewSchema>;
export type IntegrationStatusView = z.infer<typeof integrationStatusViewSchema>;
export type ConnectionStatusView = z.infer<typeof connectionStatusViewSchema>;
export type ConsentStartRequest = z.input<typeof consentStartRequestSchema>;
export type ConsentStartView = z.infer<typeof consentStartViewSchema>;
export type PublicJwk = z.infer<typeof publicJwkSchema>;
export type SealingPurpose = z.infer<typeof sealingPurposeSchema>;
export type SealingKeyRequest = z.input<typeof sealingKeyRequestSchema>;
export type SealingKeyView = z.infer<typeof sealingKeyViewSchema>;
export type SealedPasswordBody = z.infer<typeof sealedPasswordBodySchema>;
export type ConnectBasicRequest = z.input<typeof connectBasicRequestSchema>;
export type UpdatePasswordRequest = z.input<typeof updatePasswordRequestSchema>;
export type VerifyRequest = z.input<typeof verifyRequestSchema>;
export type ScopeProofRequest = z.input<typeof scopeProofRequestSchema>;
export type Protocol = z.infer<typeof protocolSchema>;
export type AuditView = z.infer<typeof auditViewSchema>;
export type ConsentPopupResult = z.infer<typeof consentPopupResultSchema>;
