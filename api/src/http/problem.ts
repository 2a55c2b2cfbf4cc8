/**
 * The one table from the error family to HTTP: every area and every reason gets a status and a
 * stable problem `code`. The tables are exhaustive types, so a new area or reason does not compile
 * until it is placed here. Anything that is not an AppError is a defect: a bare 500 whose body says
 * nothing but the correlation id, and a log line with the error under the same id.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';
import { ZodError } from 'zod';
import { AppError, ExchangeConnectError, type ErrorArea, type ErrorKind } from '../errors';
import type { ConsentStateError, SsoTokenError, SsoTokenReason } from '../identity/errors';
import type { UseCaseError, UseCaseReason } from '../integrations/errors';
import type { InvalidSealedPasswordError } from '../secrets/password-sealer';
import type { StoreError, StoreErrorReason } from '../store/errors';
import type { ProblemBody } from './contract';
import { RequestError, type RequestReason } from './request-error';

const INTERNAL_DETAIL =
  'Something went wrong on our side. Try again; if it persists, contact support and quote the correlation id.';

/** The admin gave us something we will not use: 400. Microsoft said no or failed: 502 (or 503/504). */
const SERVICE_STATUS: Record<ErrorKind, number> = {
  tenant_not_found: 502,
  consent_missing: 502,
  consent_pending: 502,
  consent_declined: 502,
  not_global_admin: 502,
  wrong_directory: 502,
  certificate_not_registered: 502,
  certificate_expired: 502,
  app_disabled: 502,
  invalid_scope: 502,
  mailbox_not_found: 502,
  impersonation_denied: 502,
  impersonation_header_missing: 502,
  // The service account's password as the admin entered it: theirs to correct.
  invalid_credentials: 400,
  token_rejected: 502,
  ews_blocked: 502,
  ews_retired: 502,
  access_policy_denied: 502,
  scope_widened: 502,
  throttled: 503,
  unreachable: 502,
  untrusted_certificate: 502,
  timeout: 504,
  endpoint_not_allowed: 400,
  autodiscover_failed: 400,
  protocol_error: 502,
  wrong_method: 400,
  invalid_address: 400,
  secret_unavailable: 502,
  unexpected: 502,
};

const SSO_DETAIL: Record<SsoTokenReason, string> = {
  missing: 'Sign in to Teams: this call needs a Teams SSO token.',
  malformed: 'The Teams SSO token is not a token Exchange Connect can read. Reload the tab.',
  signature: 'The Teams SSO token is not signed by Microsoft Entra ID for your organisation.',
  issuer: 'The Teams SSO token was not issued for your organisation by Microsoft Entra ID.',
  audience: 'The Teams SSO token was issued for another app.',
  expired: 'The Teams SSO token has expired. Reload the tab to sign in again.',
  claims: 'The Teams SSO token lacks the claims Exchange Connect needs (tenant, user).',
  scope: 'The Teams SSO token was not issued for Exchange Connect’s access_as_user scope.',
  client: 'The Teams SSO token was not requested by Teams or another Microsoft 365 app.',
};

const USE_CASE_STATUS: Record<UseCaseReason, number> = {
  not_global_admin: 403,
  not_connected: 404,
  wrong_method: 400,
  // The connection is of another protocol than the action needs (room scope: Graph only).
  wrong_protocol: 409,
  conflict: 409,
};

const STORE_PROBLEM: Record<StoreErrorReason, { status: number; code: string; detail: string }> = {
  // Someone else changed the connection at the same moment: reading it again shows what won.
  conflict: {
    status: 409,
    code: 'conflict',
    detail: 'The connection changed while this request ran. Reload and try again.',
  },
  not_found: {
    status: 409,
    code: 'conflict',
    detail: 'The connection changed while this request ran. Reload and try again.',
  },
  corrupt_data: { status: 500, code: 'internal_error', detail: INTERNAL_DETAIL },
};

const REQUEST_STATUS: Record<RequestReason, number> = {
  invalid_request: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_consent_url: 400,
  not_found: 404,
  tab_not_built: 503,
  check_running: 409,
  check_throttled: 429,
  rate_limited: 429,
};

function problem(
  status: number,
  code: string,
  detail: string,
  extra: Partial<ProblemBody> = {},
): ProblemBody {
  return { type: `urn:exchange-connect:problem:${code}`, title: code, status, code, detail, ...extra };
}

/** One function per area; the mapped type makes a new area a compile error until it is handled. */
const BY_AREA: { [A in ErrorArea]: (error: AppError) => ProblemBody } = {
  service: (e) => {
    const error = e as ExchangeConnectError;
    return problem(SERVICE_STATUS[error.kind], error.kind, error.message, {
      microsoftCode: error.code,
      remediation: error.remediation,
    });
  },
  sso: (e) => problem(401, 'invalid_token', SSO_DETAIL[(e as SsoTokenError).reason]),
  consent_state: (e) => problem(400, (e as ConsentStateError).code, e.message),
  sealed_password: (e) => problem(400, (e as InvalidSealedPasswordError).code, e.message),
  use_case: (e) => {
    const error = e as UseCaseError;
    return problem(USE_CASE_STATUS[error.reason], error.reason, error.message, {
      ...(error.remediation ? { remediation: error.remediation } : {}),
    });
  },
  store: (e) => {
    const found = STORE_PROBLEM[(e as StoreError).reason];
    return problem(found.status, found.code, found.detail);
  },
  request: (e) => {
    const error = e as RequestError;
    return problem(REQUEST_STATUS[error.reason], error.reason, error.message, {
      ...(error.extra.issues ? { issues: error.extra.issues } : {}),
    });
  },
  // A configuration error stops the process at start-up; reaching a request is a defect.
  config: () => problem(500, 'internal_error', INTERNAL_DETAIL),
};

/** Errors of libraries the HTTP layer uses (zod, body-parser), as the request errors they are. */
function fromFramework(error: unknown): RequestError | undefined {
  if (error instanceof ZodError) {
    return new RequestError('invalid_request', 'The request is not valid.', {
      issues: error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    });
  }
  if (!isClientHttpError(error)) return undefined;
  if (error.type === 'entity.parse.failed')
    return new RequestError('invalid_json', 'The request body is not valid JSON.');
  if (error.status === 413) return new RequestError('payload_too_large', 'The request body is too large.');
  if (error.status === 415)
    return new RequestError('unsupported_media_type', 'The request body is not in a supported encoding.');
  return new RequestError('invalid_request', 'The request could not be read.');
}

/** body-parser's errors (413 too large, 415 wrong charset, 400 bad JSON) are exposed client errors. */
function isClientHttpError(error: unknown): error is Error & { status: number; type?: string } {
  if (!(error instanceof Error)) return false;
  const { status, expose } = error as Error & { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

/** The problem for a known error; undefined for anything else (a defect, answered as INTERNAL_ERROR). */
export function problemFromError(error: unknown): ProblemBody | undefined {
  const known = error instanceof AppError ? error : fromFramework(error);
  return known ? BY_AREA[known.area](known) : undefined;
}

export function sendProblem(res: Response, problem: ProblemBody): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

export const INTERNAL_ERROR: ProblemBody = problem(500, 'internal_error', INTERNAL_DETAIL);

/** The id of this request in the log, set by the server's request logger. */
export function correlationIdOf(res: Response): string | undefined {
  const id: unknown = res.locals.correlationId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Known errors become their problem; anything else is logged (with the error) and hidden behind a
 * bare 500. Either way the body carries the correlation id of the log line.
 */
export function problemToSend(error: unknown, log: Logger, req: Request, res: Response): ProblemBody {
  const correlationId = correlationIdOf(res);
  const ids = { path: req.path, ...(correlationId ? { correlationId } : {}) };
  const found = problemFromError(error);
  if (!found) {
    log.error({ err: error, ...ids }, 'unhandled error');
    return { ...INTERNAL_ERROR, ...(correlationId ? { correlationId } : {}) };
  }
  if (found.status >= 500)
    log.warn({ code: found.code, microsoftCode: found.microsoftCode, ...ids }, found.detail);
  return { ...found, ...(correlationId ? { correlationId } : {}) };
}

/** The last handler: every error that reaches it answers as problem+json. */
export function problemHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof RequestError && error.extra.retryAfterMs !== undefined) {
      res.set('retry-after', String(Math.ceil(error.extra.retryAfterMs / 1000)));
    }
    sendProblem(res, problemToSend(error, log, req, res));
  };
}
