/**
 * The error family. Everything the app raises on purpose is an AppError: an `area` (which part of
 * the app refused or failed) and a `reason` from that area's closed union. One table in
 * http/problem.ts maps every area and reason to an HTTP status and problem code, with exhaustive
 * types, so a new reason does not compile until it is given one.
 *
 * ExchangeConnectError is the `service` area: a Microsoft service (or an endpoint the admin named)
 * refused or failed. Every SDK error is converted into it once, at its adapter, with Microsoft's
 * exact code and a remediation; the tab, the CLI and the bot all render diagnostics from it.
 */

export const ERROR_AREAS = [
  'service',
  'sso',
  'consent_state',
  'sealed_password',
  'use_case',
  'store',
  'request',
  'config',
] as const;
export type ErrorArea = (typeof ERROR_AREAS)[number];

export abstract class AppError extends Error {
  abstract readonly area: ErrorArea;
  abstract readonly reason: string;
}

export const ERROR_KINDS = [
  // Entra ID: tokens and consent
  'tenant_not_found',
  'consent_missing',
  'consent_pending',
  'consent_declined',
  'not_global_admin',
  'wrong_directory',
  'certificate_not_registered',
  'certificate_expired',
  'app_disabled',
  'invalid_scope',
  // Exchange
  'mailbox_not_found',
  'impersonation_denied',
  'impersonation_header_missing',
  'invalid_credentials',
  'token_rejected',
  'ews_blocked',
  'ews_retired',
  'access_policy_denied',
  'scope_widened',
  'throttled',
  'unreachable',
  'untrusted_certificate',
  'timeout',
  'endpoint_not_allowed',
  'autodiscover_failed',
  'protocol_error',
  'wrong_method',
  /** A mailbox address or service account that is not one Exchange Connect will send. */
  'invalid_address',
  // Key Vault
  'secret_unavailable',
  // anything else
  'unexpected',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface Diagnostic {
  kind: ErrorKind;
  /** Microsoft's exact code where there is one (`AADSTS700016`, `ErrorNonExistentMailbox`, `HTTP 401`). */
  code: string;
  /** What happened, in one or two sentences an admin understands. */
  message: string;
  /** What the admin (or our operators) can do about it. */
  remediation: string;
  /** When the service asked us to wait (BackOffMilliseconds, Retry-After). */
  retryAfterMs?: number;
}

export class ExchangeConnectError extends AppError implements Diagnostic {
  readonly area = 'service';
  /** The same as `kind`: the service area's reasons are the error kinds. */
  readonly reason: ErrorKind;
  readonly kind: ErrorKind;
  readonly code: string;
  readonly remediation: string;
  readonly retryAfterMs?: number;

  constructor(diagnostic: Diagnostic, options: { cause?: unknown } = {}) {
    super(diagnostic.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExchangeConnectError';
    this.kind = diagnostic.kind;
    this.reason = diagnostic.kind;
    this.code = diagnostic.code;
    this.remediation = diagnostic.remediation;
    if (diagnostic.retryAfterMs !== undefined) this.retryAfterMs = diagnostic.retryAfterMs;
  }

  toDiagnostic(): Diagnostic {
    return {
      kind: this.kind,
      code: this.code,
      message: this.message,
      remediation: this.remediation,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
    };
  }
}

/** Failures that may clear up without anyone acting: worth a retry with back-off. */
export function isTransient(kind: ErrorKind): boolean {
  return kind === 'throttled' || kind === 'unreachable' || kind === 'timeout' || kind === 'consent_pending';
}

export function isExchangeConnectError(value: unknown): value is ExchangeConnectError {
  return value instanceof ExchangeConnectError;
}

/** Hands an unexpected error to the log and answers the reference users can quote (a correlation id). */
export type UnexpectedErrorReport = (error: unknown) => string;

/**
 * Turns any caught error into a Diagnostic: ours as they are; anything else is a defect, so users
 * see a fixed sentence and the reference of the log line that holds the error, never its text.
 */
export function diagnosticOf(
  error: unknown,
  remediation: (kind: ErrorKind) => string,
  report?: UnexpectedErrorReport,
): Diagnostic {
  if (error instanceof ExchangeConnectError) return error.toDiagnostic();
  const reference = report?.(error);
  return {
    kind: 'unexpected',
    code: 'Unexpected',
    message: `An unexpected error occurred${reference ? ` (reference ${reference})` : ''}.`,
    remediation: remediation('unexpected'),
  };
}
