/** Timers as a dependency, so the scheduler and the check timeouts run on a fake clock in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending check timeout or poll must never keep the process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms.`);
  }
}

/**
 * Settles with `work`, or rejects with TimeoutError after `timeoutMs`. The work is handed a signal
 * that aborts at that moment (with the TimeoutError as its reason): the adapters abort the request
 * and free its concurrency slot instead of leaving it running; a late answer is ignored.
 */
export function withTimeout<T>(
  timers: Timers,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const handle = timers.setTimeout(() => {
      const timedOut = new TimeoutError(timeoutMs);
      controller.abort(timedOut);
      reject(timedOut);
    }, timeoutMs);
    let running: Promise<T>;
    try {
      running = work(controller.signal);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        timers.clearTimeout(handle);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(handle);
        reject(error);
      },
    );
  });
}
