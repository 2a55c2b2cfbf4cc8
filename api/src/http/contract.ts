/**
 * The tab ↔ API contract: JSON shapes of every `/api/…` route. Types only, no runtime imports, so
 * the tab (browser bundle) and the server share one definition.
 *
 * Every call carries `Authorization: Bearer <Teams SSO token>`. Errors are
 * `application/problem+json` bodies of type ProblemBody with a stable `code`.
 *
 *   GET    /api/me                          → MeView
 *   GET    /api/integration                 → IntegrationStatusView
 *   POST   /api/integrations/modern/consent → ConsentStartView
 *   GET    /auth/consent/start?state=…      (opened by authentication.authenticate: 302 to Entra)
 *   GET    /auth/consent/callback           (Entra's redirect: 302 to /tab/consent-end.html#result=…)
 *   GET    /api/sealing-key                 → SealingKeyView
 *   POST   /api/integrations/basic          ConnectBasicRequest → VerificationView ¹
 *   PUT    /api/integration/password        UpdatePasswordRequest → VerificationView ¹
 *   POST   /api/integration/verify          VerifyRequest → VerificationView ¹
 *   DELETE /api/integration                 → 204
 *   GET    /api/integration/audit           → AuditView
 *   POST   /api/integration/health/check    → HealthView (runs the health checks now)
 *
 * ¹ With `Accept: application/x-ndjson` these answer 200 `application/x-ndjson` once verification
 *   has started: one VerificationStreamEvent per line, a `step` line as each step settles, then one
 *   `result` line (or an `error` line if it broke off). Refusals before verification starts
 *   (invalid request, not a Global Admin, endpoint not allowed, …) stay problem+json.
 */

/** A public JSON Web Key, as WebCrypto imports it. */
export interface PublicJwk {
  kty: string;
  n?: string;
  e?: string;
  alg?: string;
  kid?: string;
  use?: string;
}

export type Method = 'modern' | 'basic';
export type IntegrationStatus =
  'pending_consent' | 'verifying' | 'pending' | 'verified' | 'failed' | 'disconnected';
export type StepStatus = 'ok' | 'failed' | 'skipped' | 'pending';
export type Outcome = 'verified' | 'pending' | 'failed';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  /** Stable, machine-readable: `invalid_request`, `not_global_admin`, `invalid_state`, an error kind… */
  code: string;
  detail: string;
  /** Microsoft's code, when the problem comes from a Microsoft service. */
  microsoftCode?: string;
  remediation?: string;
  issues?: { path: (string | number)[]; message: string }[];
}

export interface DiagnosticView {
  kind: string;
  code: string;
  message: string;
  remediation: string;
  retryAfterMs?: number;
}

export interface MeView {
  upn: string;
  tenantId: string;
  name?: string;
  isGlobalAdmin: boolean;
}

export interface StepView {
  name: 'endpoint' | 'token' | 'permission' | 'credentials' | 'mailbox' | 'rooms';
  status: StepStatus;
  durationMs: number;
  code?: string;
  message?: string;
  remediation?: string;
  detail?: Record<string, unknown>;
}

export interface VerificationView {
  outcome: Outcome;
  mailbox: string;
  startedAt: string;
  finishedAt: string;
  steps: StepView[];
  diagnostic?: DiagnosticView;
  retryAfterMs?: number;
}

/** One line of a verification's NDJSON stream (see ¹ above). */
export type VerificationStreamEvent =
  | { type: 'step'; step: StepView }
  | { type: 'result'; verification: VerificationView }
  | { type: 'error'; problem: ProblemBody };

export interface IntegrationView {
  id: string;
  method: Method;
  status: IntegrationStatus;
  ewsUrl?: string;
  serviceAccount?: string;
  verifiedMailbox?: string;
  verifiedAt?: string;
  consentedBy?: string;
  consentedAt?: string;
  lastError?: DiagnosticView;
  updatedAt: string;
}

export interface HealthCheckView {
  check: 'token' | 'certificate' | 'secret' | 'mailbox' | 'rooms' | 'ewsAllowList';
  status: 'ok' | 'warn' | 'fail';
  checkedAt: string;
  code?: string;
  message?: string;
  remediation?: string;
  detail?: Record<string, unknown>;
}

/** The scheduled health monitoring of the connection. */
export interface HealthView {
  state: 'healthy' | 'degraded' | 'failing';
  /** When the current state began. */
  since: string;
  lastRunAt?: string;
  nextRunAt: string;
  mutedUntil?: string;
  /** The results of the last run. */
  checks: HealthCheckView[];
}

export interface IntegrationStatusView {
  /** Our app registration's client id (for the EWS allow-list command). */
  appId: string;
  integration: IntegrationView | null;
  latestVerification: VerificationView | null;
  /** Null until the first health check ran. */
  health: HealthView | null;
}

export interface ConsentStartView {
  /** Entra's admin-consent URL for the admin's own tenant. */
  consentUrl: string;
  /** Our page that redirects to consentUrl: open it with `authentication.authenticate`. */
  startUrl: string;
  expiresAt: string;
}

export interface SealingKeyView {
  kid: string;
  jwk: PublicJwk;
}

export interface SealedPasswordBody {
  kid: string;
  ciphertext: string;
}

export interface ConnectBasicRequest {
  /** Either the EWS URL… */
  ewsUrl?: string;
  /** …or an e-mail address to find it with Autodiscover. */
  autodiscoverAddress?: string;
  serviceAccount: string;
  sealedPassword: SealedPasswordBody;
}

export interface UpdatePasswordRequest {
  sealedPassword: SealedPasswordBody;
}

export interface VerifyRequest {
  /** A room mailbox to verify with instead of the admin's own (app scoped to rooms). */
  mailbox?: string;
  /** Re-checks while pending count up from 0, so the server backs off further each time. */
  attempt?: number;
}

export interface AuditView {
  entries: { at: string; actorUpn: string; action: string; result: 'success' | 'failure'; target?: string }[];
}

/**
 * The consent outcome. The callback redirects the popup to `/tab/consent-end.html#result=<base64url
 * of this JSON>`; that page hands it to the tab with `authentication.notifySuccess(json)`.
 */
export interface ConsentPopupResult {
  outcome: 'granted' | 'declined' | 'failed';
  code?: string;
  message?: string;
  remediation?: string;
}
