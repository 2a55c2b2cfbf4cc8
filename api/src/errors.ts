/**
 * The error family. Every SDK error is converted once, at its adapter, into an
 * ExchangeConnectError; the tab, the CLI and the bot all render diagnostics from this one type.
 */

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
  'ews_blocked',
  'access_policy_denied',
  'throttled',
  'unreachable',
  'untrusted_certificate',
  'timeout',
  'endpoint_not_allowed',
  'autodiscover_failed',
  'protocol_error',
  'wrong_method',
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

export class ExchangeConnectError extends Error implements Diagnostic {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly remediation: string;
  readonly retryAfterMs?: number;

  constructor(diagnostic: Diagnostic, options: { cause?: unknown } = {}) {
    super(diagnostic.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExchangeConnectError';
    this.kind = diagnostic.kind;
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
