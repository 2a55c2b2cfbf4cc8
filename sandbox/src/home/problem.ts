/** problem+json for the sandbox control API: a stable `code`, nothing half-applied. */
import type { Request, Response } from 'express';
import type { z } from 'zod';

export function sendProblem(res: Response, status: number, code: string, detail: string, extra: object = {}) {
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:exchange-connect:sandbox:${code}`,
        title: code,
        status,
        code,
        detail,
        ...extra,
      }),
    );
}

/** Parses a JSON body with zod; on failure answers 400 `invalid_request` and returns undefined. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  req: Request,
  res: Response,
): z.infer<S> | undefined {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  sendProblem(res, 400, 'invalid_request', 'The request body is not valid.', { issues: parsed.error.issues });
  return undefined;
}
