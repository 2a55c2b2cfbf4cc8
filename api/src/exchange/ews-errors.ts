/**
 * The one place where what ews-javascript-api throws becomes an ExchangeConnectError. Nothing it
 * throws is an `Error`: SOAP faults and HTTP failures arrive as SoapFaultDetails (HTTP status,
 * ResponseCode, MessageXml values; a 401's x-ms-diagnostics header as the message), error response
 * messages as ServiceResponseException, unparsable answers as ServiceRequestException. Network and
 * TLS failures lose their Node error code inside the SDK, so the transport hands it over separately.
 */
import {
  ServiceError,
  ServiceRequestException,
  ServiceResponseException,
  SoapFaultDetails,
} from 'ews-javascript-api';
import { ExchangeConnectError, isExchangeConnectError, type ErrorKind } from '../errors';
import { transportFailureKind } from '../outbound/transport-failure';
import { remediationFor, type RemediationContext } from '../remediation';
import { PRIVATE_ADDRESS_CODE } from '../outbound/endpoint-policy';
import { cappedRetryAfterMs, parseBackOffMilliseconds, parseRetryAfterMs } from './throttling';

export interface EwsErrorContext {
  method: 'modern' | 'basic';
  remediation: RemediationContext;
  /** The Node/axios error code of a failed request (`SELF_SIGNED_CERT_IN_CHAIN`, `ECONNREFUSED`, `ECONNABORTED`). */
  transportCode?: string;
  /** The last HTTP answer (lower-case header names): Retry-After, X-EWS-Policy-Reason. */
  response?: { status: number; headers: Record<string, string> };
  /** For an HTTP-date Retry-After. */
  nowMs?: number;
}

interface Classified {
  kind: ErrorKind;
  code: string;
  message: string;
  retryAfterMs?: number;
  /** Why EWS is blocked, for the remediation. */
  ewsBlock?: RemediationContext['ewsBlock'];
}

/** X-EWS-Policy-Reason values, as Microsoft's "Control access to EWS in Exchange" documents them. */
const EWS_POLICY_REASONS: Record<string, { code: string; block: 'disabled' | 'policy' }> = {
  'ews is disabled for this user or tenant': { code: 'EwsDisabled', block: 'disabled' },
  'ews is blocked by policy for this user or tenant': { code: 'EwsBlockedByPolicy', block: 'policy' },
};

/** EWS response codes and what they mean for the admin. */
const RESPONSE_CODE_KINDS: Partial<
  Record<string, ErrorKind | ((method: EwsErrorContext['method']) => ErrorKind)>
> = {
  ErrorNonExistentMailbox: 'mailbox_not_found',
  ErrorImpersonateUserDenied: 'impersonation_denied',
  ErrorImpersonationDenied: 'impersonation_denied',
  ErrorInvalidExchangeImpersonationHeaderData: 'impersonation_header_missing',
  // App-only: an application access policy (RestrictAccess) keeps the app out of this mailbox.
  ErrorAccessDenied: (method) => (method === 'modern' ? 'access_policy_denied' : 'impersonation_denied'),
  ErrorServerBusy: 'throttled',
  ErrorTooManyObjectsOpened: 'throttled',
  ErrorMailboxStoreUnavailable: 'unreachable',
  ErrorMailboxMoveInProgress: 'unreachable',
  ErrorConnectionFailed: 'unreachable',
  ErrorInternalServerTransientError: 'unreachable',
  ErrorTimeoutExpired: 'timeout',
  ErrorInvalidServerVersion: 'protocol_error',
  ErrorSchemaValidation: 'protocol_error',
  ErrorInvalidRequest: 'protocol_error',
};

/** Node's messages for the same failures, for when no code was handed over. */
const MESSAGE_CODES: Array<[RegExp, string]> = [
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get local issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/^timeout of \d+ms exceeded/i, 'ECONNABORTED'],
  [/socket hang up/i, 'ECONNRESET'],
  [/which is not public\.$/, PRIVATE_ADDRESS_CODE],
  [/\b(E[A-Z_]{4,})\b/, '$1'],
];

function codeFromMessage(message: string): string | undefined {
  for (const [pattern, code] of MESSAGE_CODES) {
    const match = pattern.exec(message);
    if (match) return code === '$1' ? match[1] : code;
  }
  return undefined;
}

function transportFailure(code: string, message: string): Classified | undefined {
  if (code === PRIVATE_ADDRESS_CODE) {
    return {
      kind: 'endpoint_not_allowed',
      code,
      message: `The endpoint was refused at connect time: ${message}`,
    };
  }
  switch (transportFailureKind(code)) {
    case 'untrusted_certificate':
      return {
        kind: 'untrusted_certificate',
        code,
        message: `The endpoint's TLS certificate was rejected: ${message}.`,
      };
    case 'timeout':
      return { kind: 'timeout', code, message: `Exchange did not answer in time (${message}).` };
    case 'unreachable':
      return { kind: 'unreachable', code, message: `The endpoint could not be reached (${message}).` };
    case undefined:
      return undefined;
  }
}

function responseCodeName(code: ServiceError): string {
  return ServiceError[code] ?? String(code);
}

/** MessageXml values as the SDK hands them over (a Dictionary of strings). */
type ErrorDetails = { containsKey(key: string): boolean; get(key: string): string } | undefined;

function detailOf(details: ErrorDetails, key: string): string | undefined {
  return details?.containsKey(key) ? details.get(key) : undefined;
}

/** Busy, for this long (capped; a default when the server did not say). */
function throttled(code: string, message: string, askedMs: number | undefined): Classified {
  return { kind: 'throttled', code, message, retryAfterMs: cappedRetryAfterMs(askedMs) };
}

function kindOf(name: string, method: EwsErrorContext['method']): ErrorKind | undefined {
  const mapped = RESPONSE_CODE_KINDS[name];
  return typeof mapped === 'function' ? mapped(method) : mapped;
}

/**
 * A response code, with its MessageXml. Exchange Online wraps some failures in
 * ErrorInternalServerError and names the real one in InnerErrorResponseCode (throttling:
 * ErrorServerBusy with BackOffMilliseconds): the inner code decides when we know it.
 */
function byResponseCode(
  name: string,
  message: string,
  method: EwsErrorContext['method'],
  details: ErrorDetails,
): Classified {
  const inner = detailOf(details, 'InnerErrorResponseCode');
  const innerKind = inner ? kindOf(inner, method) : undefined;
  const code = inner && innerKind ? inner : name;
  const kind = innerKind ?? kindOf(name, method) ?? 'unexpected';
  const text = (innerKind ? detailOf(details, 'InnerErrorMessageText') : undefined) || message || code;
  if (kind === 'throttled') {
    return throttled(code, text, parseBackOffMilliseconds(detailOf(details, 'BackOffMilliseconds')));
  }
  return { kind, code, message: text };
}

/** 401: Basic means wrong user name or password; Bearer carries the reason in x-ms-diagnostics. */
function unauthorized(fault: SoapFaultDetails, method: EwsErrorContext['method']): Classified {
  if (method === 'basic') {
    return {
      kind: 'invalid_credentials',
      code: 'HTTP 401',
      message: 'Exchange rejected the service account credentials (HTTP 401).',
    };
  }
  const diagnostics = /^(\d{7});reason="([^"]*)"/.exec(fault.message ?? '');
  const diagnosticCode = diagnostics?.[1];
  const reason = diagnostics?.[2];
  if (diagnosticCode === '2000008') {
    return {
      kind: 'consent_missing',
      code: 'HTTP 401 2000008',
      message: `Exchange Online refused the app-only token: ${reason}. The app holds no Exchange permission in this organisation.`,
    };
  }
  // Signature, lifetime, audience, tenant: the token itself was refused, which is ours to fix.
  return {
    kind: 'token_rejected',
    code: diagnosticCode ? `HTTP 401 ${diagnosticCode}` : 'HTTP 401',
    message: `Exchange Online refused the access token${reason ? `: ${reason}` : ''}.`,
  };
}

function fromHttpStatus(status: number, ctx: EwsErrorContext): Classified {
  const { method } = ctx;
  const code = `HTTP ${status}`;
  if (status === 503) {
    // Exchange's front end answers 503 when it sheds load: busy, for as long as Retry-After says.
    const retryAfter = ctx.response?.headers['retry-after'];
    return throttled(
      code,
      'Exchange is busy and refused the request for now (HTTP 503 Service Unavailable).',
      parseRetryAfterMs(retryAfter, ctx.nowMs ?? Date.now()),
    );
  }
  if (status === 403 && method === 'modern') {
    // Exchange Online says why in X-EWS-Policy-Reason: switched off, or a policy refuses the app.
    const reason = ctx.response?.headers['x-ews-policy-reason']?.trim();
    const known = reason ? EWS_POLICY_REASONS[reason.replace(/\.$/, '').toLowerCase()] : undefined;
    if (reason && known) {
      return {
        kind: 'ews_blocked',
        code: known.code,
        message: `Exchange Online refused EWS: "${reason}" (HTTP 403, X-EWS-Policy-Reason).`,
        ewsBlock: known.block,
      };
    }
    return {
      kind: 'ews_blocked',
      code,
      message: 'Exchange Online refused EWS for this app (HTTP 403 Forbidden).',
    };
  }
  if (status >= 500)
    return {
      kind: 'unreachable',
      code,
      message: `The EWS endpoint answered with a server error (HTTP ${status}).`,
    };
  if (status === 408)
    return { kind: 'timeout', code, message: 'The EWS endpoint timed out the request (HTTP 408).' };
  return {
    kind: 'protocol_error',
    code,
    message: `The endpoint answered HTTP ${status}, not an EWS response.`,
  };
}

function classifySoapFault(fault: SoapFaultDetails, ctx: EwsErrorContext): Classified {
  const status = fault.HttpStatusCode;
  const message = fault.message ?? '';
  if (status === 401) return unauthorized(fault, ctx.method);
  if (status === undefined || status === 0) {
    const code = ctx.transportCode ?? codeFromMessage(message) ?? 'NETWORK_ERROR';
    return (
      transportFailure(code, message) ?? {
        kind: 'unreachable',
        code,
        message: `The request failed: ${message}.`,
      }
    );
  }
  // A SOAP fault (HTTP 500 with a ResponseCode in its detail).
  if (status === 500 && fault.FaultCode) {
    return byResponseCode(responseCodeName(fault.ResponseCode), message, ctx.method, fault.ErrorDetails);
  }
  if (status === 200) {
    // The SDK could not read a 200 answer.
    return {
      kind: 'protocol_error',
      code: 'InvalidResponse',
      message: `The EWS response could not be read: ${message}.`,
    };
  }
  return fromHttpStatus(status, ctx);
}

function classify(error: unknown, ctx: EwsErrorContext): Classified | undefined {
  if (error instanceof SoapFaultDetails) return classifySoapFault(error, ctx);
  if (error instanceof ServiceResponseException) {
    const response = error.Response;
    return byResponseCode(
      responseCodeName(error.ErrorCode),
      error.Message,
      ctx.method,
      response?.ErrorDetails,
    );
  }
  if (error instanceof ServiceRequestException) {
    return {
      kind: 'protocol_error',
      code: 'InvalidResponse',
      message: `The EWS response could not be read: ${error.Message}.`,
    };
  }
  const code = ctx.transportCode ?? (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    const transport = transportFailure(code, message);
    if (transport) return transport;
  }
  return undefined;
}

/**
 * Our error for what the SDK, Exchange or the network reported. Anything else (the SDK throwing on
 * our use of it, a bug of ours) is a defect and is passed on as it is: verification and health log
 * it with its stack under a correlation id and show users only that id, never its text.
 */
export function classifyEwsError(error: unknown, ctx: EwsErrorContext): unknown {
  if (isExchangeConnectError(error)) return error;
  const classified = classify(error, ctx);
  if (!classified) return error;
  const { ewsBlock, ...found } = classified;
  return new ExchangeConnectError(
    {
      ...found,
      remediation: remediationFor(found.kind, {
        ...ctx.remediation,
        ...(found.retryAfterMs !== undefined ? { retryAfterMs: found.retryAfterMs } : {}),
        ...(ewsBlock ? { ewsBlock } : {}),
      }),
    },
    { cause: error },
  );
}
