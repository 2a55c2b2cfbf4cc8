/**
 * Teams' bot API rate limits as sliding windows on the sandbox clock. Values from Microsoft's
 * "Optimize your bot with rate limiting" page: per bot per thread, per operation, plus the
 * global 50 requests per second per app per tenant.
 */
export interface RateWindow {
  periodMs: number;
  max: number;
}

const windows = (pairs: [number, number][]): RateWindow[] =>
  pairs.map(([seconds, max]) => ({ periodMs: seconds * 1000, max }));

export const RATE_LIMITS = {
  /** Send to conversation, reply, update: per bot per thread. */
  sendToConversation: windows([
    [1, 7],
    [2, 8],
    [30, 60],
    [3600, 1800],
  ]),
  createConversation: windows([
    [1, 7],
    [2, 8],
    [30, 60],
    [3600, 1800],
  ]),
  getConversationMembers: windows([
    [1, 14],
    [2, 16],
    [30, 120],
    [3600, 3600],
  ]),
  /** Every request of one app in one tenant. */
  perAppPerTenant: windows([[1, 50]]),
} as const;

export interface RateLimitCheck {
  key: string;
  windows: readonly RateWindow[];
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  /** Admits a request only if every check has room; rejected requests do not consume capacity. */
  tryAcquire(checks: readonly RateLimitCheck[], nowMs: number): RateDecision {
    let retryAfterMs = 0;
    for (const check of checks) {
      const longest = Math.max(...check.windows.map((w) => w.periodMs));
      const recent = (this.hits.get(check.key) ?? []).filter((t) => t > nowMs - longest);
      this.hits.set(check.key, recent);
      for (const window of check.windows) {
        const inWindow = recent.filter((t) => t > nowMs - window.periodMs);
        if (inWindow.length >= window.max) {
          // Room frees up when the oldest request that fills the window slides out of it.
          const freeing = inWindow[inWindow.length - window.max]!;
          retryAfterMs = Math.max(retryAfterMs, freeing + window.periodMs - nowMs);
        }
      }
    }
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs };
    for (const check of checks) this.hits.get(check.key)!.push(nowMs);
    return { allowed: true };
  }

  /** Forgets every request so far (control API: tests whose own clock jumps ahead of the sandbox's). */
  clear(): void {
    this.hits.clear();
  }
}
