/** problem+json responses with a stable `code`, from whatever a route threw. */
import type { Response } from 'express';
import { ZodError } from 'zod';
import { ExchangeConnectError, type ErrorKind } from '../errors';
import { UseCaseError } from '../integrations/service';
import { InvalidSealedPasswordError } from '../secrets/password-sealer';
import { StoreConflictError, StoreNotFoundError } from '../store/errors';
import type { ProblemBody } from './contract';

/** Raised by routes for malformed requests and authentication failures. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly extra: Partial<ProblemBody> = {},
  ) {
    super(detail);
  }
}

const USE_CASE_STATUS: Record<UseCaseError['code'], number> = {
  not_global_admin: 403,
  not_connected: 404,
  wrong_method: 400,
  conflict: 409,
};

/** The admin gave us something we will not use: 400. Microsoft said no or failed: 502 (or 503/504). */
function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case 'endpoint_not_allowed':
    case 'wrong_method':
    case 'autodiscover_failed':
      return 400;
    case 'throttled':
      return 503;
    case 'timeout':
      return 504;
    default:
      return 502;
  }
}

export function problemFromError(error: unknown): ProblemBody | undefined {
  if (error instanceof HttpProblem) {
    return {
      type: `urn:exchange-connect:problem:${error.code}`,
      title: error.code,
      status: error.status,
      code: error.code,
      detail: error.message,
      ...error.extra,
    };
  }
  if (error instanceof ZodError) {
    return {
      type: 'urn:exchange-connect:problem:invalid_request',
      title: 'invalid_request',
      status: 400,
      code: 'invalid_request',
      detail: 'The request is not valid.',
      issues: error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    };
  }
  if (error instanceof UseCaseError) {
    return {
      type: `urn:exchange-connect:problem:${error.code}`,
      title: error.code,
      status: USE_CASE_STATUS[error.code],
      code: error.code,
      detail: error.message,
      ...(error.remediation ? { remediation: error.remediation } : {}),
    };
  }
  if (error instanceof InvalidSealedPasswordError) {
    return problem(error.httpStatus, error.code, error.message);
  }
  if (error instanceof StoreConflictError || error instanceof StoreNotFoundError) {
    // Someone else changed the connection at the same moment: reading it again shows what won.
    return problem(409, 'conflict', 'The connection changed while this request ran. Reload and try again.');
  }
  if (isClientHttpError(error)) {
    if (error.type === 'entity.parse.failed') {
      return problem(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    return problem(error.status, error.type ?? 'invalid_request', error.message);
  }
  if (error instanceof ExchangeConnectError) {
    return {
      type: `urn:exchange-connect:problem:${error.kind}`,
      title: error.kind,
      status: statusForKind(error.kind),
      code: error.kind,
      detail: error.message,
      microsoftCode: error.code,
      remediation: error.remediation,
    };
  }
  return undefined;
}

function problem(status: number, code: string, detail: string): ProblemBody {
  return { type: `urn:exchange-connect:problem:${code}`, title: code, status, code, detail };
}

/** body-parser's errors (413 too large, 415 wrong charset, 400 bad JSON) say what went wrong. */
function isClientHttpError(error: unknown): error is Error & { status: number; type?: string } {
  if (!(error instanceof Error)) return false;
  const { status, expose } = error as Error & { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

export function sendProblem(res: Response, problem: ProblemBody): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

export const INTERNAL_ERROR: ProblemBody = {
  type: 'urn:exchange-connect:problem:internal_error',
  title: 'internal_error',
  status: 500,
  code: 'internal_error',
  detail: 'Something went wrong on our side. Try again; if it persists, contact support.',
};
