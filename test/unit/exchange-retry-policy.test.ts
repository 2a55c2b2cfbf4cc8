/**
 * Throttling: fail fast, or sleep through a short back-off the server asked for a bounded number of
 * times; a longer one is reported at once (the caller reschedules), and a wait ends with its signal.
 */
import { ExchangeConnectError } from '../../api/src/errors';
import { FAIL_FAST, throttleRetry, withThrottleRetry } from '../../api/src/exchange/retry-policy';

const busy = (retryAfterMs?: number) =>
  new ExchangeConnectError({
    kind: 'throttled',
    code: 'ErrorServerBusy',
    message: 'busy',
    remediation: 'wait',
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });

function failingTimes(errors: unknown[], result = 'ok') {
  let calls = 0;
  const task = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return result;
  };
  return { task, calls: () => calls };
}

test('fail fast: the first throttled answer is the result', async () => {
  const { task, calls } = failingTimes([busy(5000)]);
  await expect(withThrottleRetry(FAIL_FAST, task)).rejects.toMatchObject({
    kind: 'throttled',
    retryAfterMs: 5000,
  });
  expect(calls()).toBe(1);
});

test('sleeps through short back-offs exactly as asked (or the default), and reports each wait', async () => {
  const waits: number[] = [];
  const reported: Array<[number, number]> = [];
  const policy = throttleRetry({
    maxRetries: 3,
    maxDelayMs: 10_000,
    sleep: async (ms) => void waits.push(ms),
    onRetry: (e) => reported.push([e.attempt, e.delayMs]),
  });
  const { task, calls } = failingTimes([busy(1500), busy(10_000), busy()]);
  await expect(withThrottleRetry(policy, task)).resolves.toBe('ok');
  expect(calls()).toBe(4);
  expect(waits).toEqual([1500, 10_000, 5_000]);
  expect(reported).toEqual([
    [1, 1500],
    [2, 10_000],
    [3, 5_000],
  ]);
});

test('a back-off longer than it may sleep is reported at once: sleeping less would only be throttled again', async () => {
  const waits: number[] = [];
  const policy = throttleRetry({
    maxRetries: 3,
    maxDelayMs: 10_000,
    sleep: async (ms) => void waits.push(ms),
  });
  const { task, calls } = failingTimes([busy(1000), busy(60_000)]);
  await expect(withThrottleRetry(policy, task)).rejects.toMatchObject({ retryAfterMs: 60_000 });
  expect(calls()).toBe(2);
  expect(waits).toEqual([1000]);
});

test('the default policy sleeps through at most 10 s, like the Graph client', () => {
  expect(throttleRetry().maxDelayMs).toBe(10_000);
});

test('gives up after maxRetries with the last throttled error', async () => {
  const policy = throttleRetry({ maxRetries: 2, sleep: async () => {} });
  const { task, calls } = failingTimes([busy(1), busy(2), busy(3), busy(4)]);
  await expect(withThrottleRetry(policy, task)).rejects.toMatchObject({ retryAfterMs: 3 });
  expect(calls()).toBe(3);
});

test('a wait ends when the caller aborts: no further attempt', async () => {
  const controller = new AbortController();
  const reason = new Error('deadline');
  const policy = throttleRetry({ maxRetries: 3 });
  const { task, calls } = failingTimes([busy(9000)]);
  const running = withThrottleRetry(policy, task, controller.signal);
  await Promise.resolve();
  controller.abort(reason);
  await expect(running).rejects.toBe(reason);
  expect(calls()).toBe(1);
});

test('other failures are never retried', async () => {
  const policy = throttleRetry({ maxRetries: 5, sleep: async () => {} });
  const other = new ExchangeConnectError({
    kind: 'unreachable',
    code: 'HTTP 503',
    message: 'm',
    remediation: 'r',
  });
  const { task, calls } = failingTimes([other]);
  await expect(withThrottleRetry(policy, task)).rejects.toBe(other);
  expect(calls()).toBe(1);
});
