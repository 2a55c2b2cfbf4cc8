/**
 * The one place where what the Microsoft Graph client throws becomes an ExchangeConnectError:
 * Graph's error body (`{"error":{"code","message","innerError"}}`) gives the code, the status and
 * Retry-After say whether to wait, and a request that got no answer carries Node's code as the
 * GraphError's code (see graph-http.ts).
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import { ExchangeConnectError, isExchangeConnectError, type ErrorKind } from '../errors';
import { transportFailureKind } from '../outbound/transport-failure';
import { PRIVATE_ADDRESS_CODE } from '../outbound/endpoint-policy';
import { RESPONSE_TOO_LARGE } from '../outbound/bounded-request';
import { remediationFor, type RemediationContext } from '../remediation';
import { cappedRetryAfterMs, parseRetryAfterMs } from './throttling';

interface Classified {
  kind: ErrorKind;
  code: string;
  message: string;
  retryAfterMs?: number;
}

/** Graph's codes for mailbox access, and what they mean for the admin. */
const CODE_KINDS: Partial<Record<string, ErrorKind>> = {
  MailboxNotEnabledForRESTAPI: 'mailbox_not_found',
  ErrorInvalidUser: 'mailbox_not_found',
  ResourceNotFound: 'mailbox_not_found',
  Request_ResourceNotFound: 'mailbox_not_found',
  ErrorNonExistentMailbox: 'mailbox_not_found',
  // RBAC for Applications scope or an application access policy keeps the app out of this mailbox.
  ErrorAccessDenied: 'access_policy_denied',
  InvalidAuthenticationToken: 'token_rejected',
  ApplicationThrottled: 'throttled',
  TooManyRequests: 'throttled',
  ErrorServerBusy: 'throttled',
  ServiceNotAvailable: 'unreachable',
  serviceNotAvailable: 'unreachable',
  GatewayTimeout: 'timeout',
};

function byStatus(status: number): ErrorKind {
  if (status === 401) return 'token_rejected';
  if (status === 403) return 'access_policy_denied';
  if (status === 404) return 'mailbox_not_found';
  if (status === 429) return 'throttled';
  if (status === 504 || status === 408) return 'timeout';
  if (status >= 500) return 'unreachable';
  return 'protocol_error';
}

function fromTransport(code: string, message: string): Classified {
  if (code === PRIVATE_ADDRESS_CODE) {
    return {
      kind: 'endpoint_not_allowed',
      code,
      message: `Microsoft Graph was refused at connect time: ${message}`,
    };
  }
  if (code === RESPONSE_TOO_LARGE) {
    return {
      kind: 'protocol_error',
      code,
      message: 'Microsoft Graph answered with more data than Exchange Connect accepts.',
    };
  }
  const kind = transportFailureKind(code) ?? 'unreachable';
  const what =
    kind === 'untrusted_certificate'
      ? "Microsoft Graph's TLS certificate was rejected"
      : kind === 'timeout'
        ? 'Microsoft Graph did not answer in time'
        : 'Microsoft Graph could not be reached';
  return { kind, code, message: `${what} (${code}).` };
}

function classify(error: GraphError, nowMs: number): Classified {
  if (error.statusCode <= 0) return fromTransport(error.code ?? 'NETWORK_ERROR', error.message);
  const status = error.statusCode;
  const code = error.code ?? `HTTP ${status}`;
  const retryAfter = parseRetryAfterMs(error.headers?.get('retry-after'), nowMs);
  // A 503 that says when to come back is Graph shedding load: throttling, like a 429.
  const busy = status === 503 && retryAfter !== undefined;
  const kind = busy ? 'throttled' : (CODE_KINDS[code] ?? byStatus(status));
  return {
    kind,
    code,
    message: `Microsoft Graph answered HTTP ${status} ${code}${error.message ? `: ${error.message}` : '.'}`,
    ...(kind === 'throttled' ? { retryAfterMs: cappedRetryAfterMs(retryAfter) } : {}),
  };
}

export function classifyGraphError(
  error: unknown,
  ctx: RemediationContext,
  nowMs: number = Date.now(),
): ExchangeConnectError {
  if (isExchangeConnectError(error)) return error;
  const found: Classified =
    error instanceof GraphError
      ? classify(error, nowMs)
      : {
          kind: 'unexpected',
          code: 'Unexpected',
          message: 'The Microsoft Graph request failed unexpectedly.',
        };
  return new ExchangeConnectError(
    {
      ...found,
      remediation: remediationFor(found.kind, {
        ...ctx,
        service: 'graph',
        ...(found.retryAfterMs !== undefined ? { retryAfterMs: found.retryAfterMs } : {}),
      }),
    },
    { cause: error },
  );
}
