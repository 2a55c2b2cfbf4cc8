/**
 * Injected faults for one Entra operation (`token`, `discovery`, `keys`): delay, throttling (429 +
 * Retry-After), a transient 5xx, a request that never gets an answer, or a broken JSON body.
 */
import type { Request, Response } from 'express';
import type { SandboxContext } from '../context';
import { sleep } from '../faults';
import { aadsts, sendEntraError } from './errors';

/** True when a fault answered (or deliberately swallowed) the request. */
export async function answeredByFault(
  ctx: SandboxContext,
  operation: 'token' | 'discovery' | 'keys',
  req: Request,
  res: Response,
): Promise<boolean> {
  const { latencyMs, failure } = ctx.faults.take('entra', operation);
  if (latencyMs > 0) await sleep(latencyMs);
  if (!failure) return false;
  switch (failure.kind) {
    case 'throttle':
      res.set('Retry-After', String(Math.ceil(failure.ms / 1000)));
      sendEntraError(ctx, req, res, aadsts.throttled());
      return true;
    case 'http5xx':
      sendEntraError(ctx, req, res, aadsts.transient(failure.status));
      return true;
    case 'timeout':
      // Never answer: the client's own timeout is what the test exercises.
      return true;
    case 'malformed':
      res.status(200).type('application/json; charset=utf-8').send('{"token_type":"Bearer","access_');
      return true;
    case 'latency':
    case 'innerServerBusy': // EWS-only kinds; the control API refuses them for other services
    case 'omitProperties':
      return false;
  }
}
