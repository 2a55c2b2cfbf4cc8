/**
 * Client-side Teams rate limits, so the notifier rarely meets a 429: per conversation (thread)
 * 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour, and per tenant 50 per second, as sliding windows
 * on the injected clock.
 */
export interface RateWindow {
  periodMs: number;
  max: number;
}

export const TEAMS_CONVERSATION_WINDOWS: readonly RateWindow[] = [
  { periodMs: 1_000, max: 7 },
  { periodMs: 2_000, max: 8 },
  { periodMs: 30_000, max: 60 },
  { periodMs: 3_600_000, max: 1_800 },
];
export const TEAMS_TENANT_WINDOWS: readonly RateWindow[] = [{ periodMs: 1_000, max: 50 }];

export class TeamsRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly conversationWindows: readonly RateWindow[] = TEAMS_CONVERSATION_WINDOWS,
    private readonly tenantWindows: readonly RateWindow[] = TEAMS_TENANT_WINDOWS,
  ) {}

  /**
   * Takes a slot for one send and returns 0, or takes nothing and returns how long to wait until
   * every window has room.
   */
  tryAcquire(tenantId: string, conversationId: string, nowMs: number): number {
    const keys: [string, readonly RateWindow[]][] = [
      [`conversation|${conversationId}`, this.conversationWindows],
      [`tenant|${tenantId}`, this.tenantWindows],
    ];
    let waitMs = 0;
    for (const [key, windows] of keys) {
      const longest = Math.max(...windows.map((w) => w.periodMs));
      const recent = (this.hits.get(key) ?? []).filter((t) => t > nowMs - longest);
      this.hits.set(key, recent);
      for (const window of windows) {
        const inWindow = recent.filter((t) => t > nowMs - window.periodMs);
        if (inWindow.length >= window.max) {
          // Room frees when the oldest hit that fills the window slides out of it.
          const freeing = inWindow[inWindow.length - window.max]!;
          waitMs = Math.max(waitMs, freeing + window.periodMs - nowMs);
        }
      }
    }
    if (waitMs > 0) return waitMs;
    for (const [key] of keys) this.hits.get(key)!.push(nowMs);
    return 0;
  }
}
