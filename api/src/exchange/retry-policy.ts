/**
 * What to do when Exchange throttles (ErrorServerBusy with BackOffMilliseconds): fail fast, or
 * wait the back-off the server asked for and try again, a bounded number of times.
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
  /** Upper bound for one wait, whatever the server asks for. */
  maxDelayMs: number;
  /** Used when the server asks to back off without saying how long. */
  defaultDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Called before each wait, so callers can say "throttled, retrying in N s". */
  onRetry?: (event: ThrottleRetryEvent) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const FAIL_FAST: RetryPolicy = { maxRetries: 0, maxDelayMs: 0, defaultDelayMs: 0, sleep: realSleep };

export function throttleRetry(options: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxRetries: 3, maxDelayMs: 60_000, defaultDelayMs: 5_000, sleep: realSleep, ...options };
}

export async function withThrottleRetry<T>(policy: RetryPolicy, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!isExchangeConnectError(error) || error.kind !== 'throttled' || attempt > policy.maxRetries)
        throw error;
      const delayMs = Math.min(policy.maxDelayMs, error.retryAfterMs ?? policy.defaultDelayMs);
      policy.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}
