/**
 * What to do when Exchange throttles (ErrorServerBusy with BackOffMilliseconds): fail fast, or
 * sleep through a short back-off exactly as asked and try again, a bounded number of times. A
 * longer back-off is reported at once (throttled, with its retryAfterMs) for the caller to
 * reschedule: sleeping less than asked only earns another ErrorServerBusy, and sleeping a minute
 * inside a verification or a timed health check turns throttling into a time-out.
 */
import { isExchangeConnectError, type ExchangeConnectError } from '../errors';

export interface ThrottleRetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: ExchangeConnectError;
}

export interface RetryPolicy {
  /** 0 = fail fast. */
  maxRetries: number;
  /** The longest back-off slept through; a longer one is reported at once. */
  maxDelayMs: number;
  /** Used when the server asks to back off without saying how long. */
  defaultDelayMs: number;
  /** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait, so callers can say "throttled, retrying in N s". */
  onRetry?: (event: ThrottleRetryEvent) => void;
}

/** A timer that ends early, with the signal's reason, when the caller gives up. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const FAIL_FAST: RetryPolicy = {
  maxRetries: 0,
  maxDelayMs: 0,
  defaultDelayMs: 0,
  sleep: abortableSleep,
};

/** As long as the Graph client sleeps through a Retry-After inline. */
export const DEFAULT_MAX_INLINE_WAIT_MS = 10_000;

export function throttleRetry(options: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxRetries: 3,
    maxDelayMs: DEFAULT_MAX_INLINE_WAIT_MS,
    defaultDelayMs: 5_000,
    sleep: abortableSleep,
    ...options,
  };
}

export async function withThrottleRetry<T>(
  policy: RetryPolicy,
  task: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!isExchangeConnectError(error) || error.kind !== 'throttled' || attempt > policy.maxRetries)
        throw error;
      const delayMs = error.retryAfterMs ?? policy.defaultDelayMs;
      if (delayMs > policy.maxDelayMs) throw error;
      policy.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs, signal);
    }
  }
}
