/**
 * Injected faults for one Key Vault operation: delay, throttling (429 + Retry-After), 5xx, a
 * request that never gets an answer, or a broken JSON body.
 */
import type { Response } from 'express';
import type { SandboxContext } from '../context';
import { sleep } from '../faults';
import { messages, sendKeyVaultError } from './errors';

const SERVER_ERRORS: Record<number, { code: string; message: string }> = {
  500: { code: 'InternalServerError', message: 'An unexpected error occurred.' },
  503: {
    code: 'ServiceUnavailable',
    message: 'The service is currently unavailable. Please try again later.',
  },
};

/** True when a fault answered (or deliberately swallowed) the request. */
export async function answeredByFault(
  ctx: SandboxContext,
  operation: string,
  res: Response,
): Promise<boolean> {
  const { latencyMs, failure } = ctx.faults.take('keyvault', operation);
  if (latencyMs > 0) await sleep(latencyMs);
  if (!failure) return false;
  switch (failure.kind) {
    case 'throttle':
      res.set('Retry-After', String(Math.ceil(failure.ms / 1000)));
      sendKeyVaultError(res, 429, 'Throttled', messages.throttled);
      return true;
    case 'http5xx': {
      const known = SERVER_ERRORS[failure.status] ?? SERVER_ERRORS[500]!;
      sendKeyVaultError(res, failure.status, known.code, known.message);
      return true;
    }
    case 'timeout':
      // Never answer: the client's own timeout or abort is what the test exercises.
      return true;
    case 'malformed':
      res.status(200).type('application/json; charset=utf-8').send('{"value":"');
      return true;
    case 'latency':
    case 'innerServerBusy': // EWS-only kinds; the control API refuses them for other services
    case 'omitProperties':
      return false;
  }
}
