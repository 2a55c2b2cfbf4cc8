/**
 * The one place msal-node errors become ExchangeConnectErrors: the AADSTS code (from `errorNo`,
 * the description, or the code list MSAL keeps while it refuses throttled requests) picks the kind,
 * `code` is `AADSTS<n>` exactly, and the remediation comes from the shared table.
 */
import { AuthError, ServerError } from '@azure/msal-node';
import { ExchangeConnectError, type ErrorKind } from '../errors';
import { remediationFor } from '../remediation';
import { NetworkTransportError } from './network-client';

/** The AADSTS codes whose meaning an admin or operator can act on. */
const AADSTS_KINDS: ReadonlyMap<number, ErrorKind> = new Map([
  [90002, 'tenant_not_found'],
  [700016, 'consent_missing'],
  [65001, 'consent_missing'],
  [700027, 'certificate_not_registered'],
  [7000112, 'app_disabled'],
  [70011, 'invalid_scope'],
  [50196, 'throttled'],
  [90033, 'unreachable'],
  [90094, 'not_global_admin'],
  [50020, 'wrong_directory'],
  [65004, 'consent_declined'],
] as const);

/** The kind an AADSTS code stands for; AADSTS700027 says "expired" when the key lapsed. */
export function kindForAadsts(code: number, description = ''): ErrorKind | undefined {
  if (code === 700027 && /\bexpired\b/i.test(description)) return 'certificate_expired';
  return AADSTS_KINDS.get(code);
}

/** The first `AADSTSnnnn` in a text. */
export function aadstsCodeIn(text: string): number | undefined {
  const match = /AADSTS(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Entra's own sentence (`AADSTSn: …`) without the trace lines MSAL and Entra wrap around it. */
export function aadstsSentence(text: string): string | undefined {
  return /AADSTS\d+: [^\r\n]*/.exec(text)?.[0]?.replace(/ - Correlation ID: .*$/, '');
}

export interface MsalErrorContext {
  /** Our app registration's client id, for the remediation text. */
  appId: string;
  tenantId: string;
  /** When Entra asked us to wait (Retry-After). */
  retryAfterMs?: number;
}

function aadstsCodeOf(error: AuthError): number | undefined {
  const errorNo = error instanceof ServerError ? Number(error.errorNo) : NaN;
  if (Number.isInteger(errorNo) && errorNo > 0) return errorNo;
  // While MSAL refuses a throttled request locally, `errorCode` holds Entra's code list ("50196").
  if (/^\d+$/.test(error.errorCode)) return Number(error.errorCode);
  return aadstsCodeIn(error.errorMessage);
}

function diagnose(
  kind: ErrorKind,
  code: string,
  message: string,
  ctx: MsalErrorContext,
  cause: unknown,
): ExchangeConnectError {
  const retryAfterMs = kind === 'throttled' || kind === 'unreachable' ? ctx.retryAfterMs : undefined;
  return new ExchangeConnectError(
    {
      kind,
      code,
      message,
      remediation: remediationFor(kind, { appId: ctx.appId, service: 'entra', retryAfterMs }),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    { cause },
  );
}

function fromTransport(error: NetworkTransportError, ctx: MsalErrorContext): ExchangeConnectError {
  const host = new URL(error.url).host;
  switch (error.failure) {
    case 'untrusted_certificate':
      return diagnose(
        'untrusted_certificate',
        error.transportCode,
        `The TLS certificate of Entra ID (${host}) is not trusted by this server (${error.transportCode}). ` +
          'Behind a TLS-inspecting proxy or against a private authority, add its CA with EC_CA_FILE.',
        ctx,
        error,
      );
    case 'timeout':
      return diagnose(
        'timeout',
        error.transportCode,
        `Entra ID (${host}) did not answer in time.`,
        ctx,
        error,
      );
    case 'unreachable':
      return diagnose(
        'unreachable',
        error.transportCode,
        `Entra ID (${host}) could not be reached (${error.transportCode}).`,
        ctx,
        error,
      );
    case 'malformed_response':
      return diagnose('unexpected', error.transportCode, error.errorMessage, ctx, error);
  }
}

function fromAuthError(error: AuthError, ctx: MsalErrorContext): ExchangeConnectError {
  const aadsts = aadstsCodeOf(error);
  const status = error instanceof ServerError ? error.status : undefined;
  const sentence = aadstsSentence(error.errorMessage);
  const traceId = /Trace ID: ([0-9a-f-]{36})/i.exec(error.errorMessage)?.[1];
  if (aadsts !== undefined) {
    const kind =
      kindForAadsts(aadsts, error.errorMessage) ??
      (status === 429 ? 'throttled' : status !== undefined && status >= 500 ? 'unreachable' : 'unexpected');
    const text = sentence ?? `AADSTS${aadsts}: ${error.errorMessage}`;
    return diagnose(
      kind,
      `AADSTS${aadsts}`,
      `Entra ID refused an app-only token for tenant ${ctx.tenantId}. ${text}${traceId ? ` (Trace ID: ${traceId})` : ''}`,
      ctx,
      error,
    );
  }
  if (status === 429)
    return diagnose('throttled', 'HTTP 429', 'Entra ID is throttling token requests.', ctx, error);
  if ((status !== undefined && status >= 500) || error.errorCode === 'temporarily_unavailable') {
    return diagnose(
      'unreachable',
      status !== undefined ? `HTTP ${status}` : error.errorCode,
      'Entra ID is temporarily unavailable.',
      ctx,
      error,
    );
  }
  if (error.errorCode === 'endpoints_resolution_error' || error.errorCode === 'network_error') {
    // MSAL's own fetch reports an untrusted TLS certificate exactly like a refused connection.
    return diagnose(
      'unreachable',
      error.errorCode,
      `Entra ID could not be reached (${error.errorCode}: ${error.errorMessage}). ` +
        'An untrusted TLS certificate on the way to Entra ID shows up the same way.',
      ctx,
      error,
    );
  }
  return diagnose(
    'unexpected',
    error.errorCode || 'msal_error',
    `msal-node failed: ${error.errorMessage || error.message}`,
    ctx,
    error,
  );
}

/** Converts anything msal-node (or our transport) threw; an ExchangeConnectError passes through. */
export function toExchangeConnectError(error: unknown, ctx: MsalErrorContext): ExchangeConnectError {
  if (error instanceof ExchangeConnectError) return error;
  if (error instanceof NetworkTransportError) return fromTransport(error, ctx);
  if (error instanceof AuthError) return fromAuthError(error, ctx);
  const text = error instanceof Error ? error.message : String(error);
  return diagnose('unexpected', 'unexpected', `Token request failed: ${text}`, ctx, error);
}
