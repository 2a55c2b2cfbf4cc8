/**
 * Client-side Teams rate limits, so the notifier rarely meets a 429: per conversation (thread)
 * 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour, and per tenant 50 per second, as sliding windows
 * on the injected clock. The notifier also asks which tenants are full, to claim other tenants'
 * deliveries meanwhile. Per process: notifiers sharing a database each keep their own, so together
 * they can exceed a tenant's limit, and Teams' 429 (rescheduled per conversation) is the last word.
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

/**
 * Teams counts a send when it arrives, we count it when we let it go: sends let go together at a
 * window's edge arrive spread over tens of milliseconds, in another order, and one of them lands in
 * the window before. Windows this much longer than Teams' keep that jitter from becoming 429s.
 */
export const SEND_JITTER_MARGIN_MS = 100;

export function withMargin(windows: readonly RateWindow[], marginMs: number): RateWindow[] {
  return windows.map((w) => ({ ...w, periodMs: w.periodMs + marginMs }));
}

/** The limiter the bot runs with: Teams' windows, each lengthened by SEND_JITTER_MARGIN_MS. */
export function teamsRateLimiter(marginMs: number = SEND_JITTER_MARGIN_MS): TeamsRateLimiter {
  return new TeamsRateLimiter(
    withMargin(TEAMS_CONVERSATION_WINDOWS, marginMs),
    withMargin(TEAMS_TENANT_WINDOWS, marginMs),
  );
}

const TENANT = 'tenant|';

export interface TenantRoom {
  /** Sends every tenant window admits now. */
  room: number;
  /** When the fullest window next frees a slot (0 when it has room). */
  freesInMs: number;
}

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
      [`${TENANT}${tenantId}`, this.tenantWindows],
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

  /**
   * Gives back the slot a send took at `atMs` when Teams refused it with a 429: Teams does not count
   * a refused request against the windows (as the sandbox connector models it).
   */
  refund(tenantId: string, conversationId: string, atMs: number): void {
    for (const key of [`conversation|${conversationId}`, `${TENANT}${tenantId}`]) {
      const hits = this.hits.get(key);
      const index = hits ? hits.lastIndexOf(atMs) : -1;
      if (index >= 0) hits!.splice(index, 1);
    }
  }

  /** Tenants sent to within their longest window; every other tenant has all its room. */
  recentTenants(nowMs: number): string[] {
    const longest = Math.max(...this.tenantWindows.map((w) => w.periodMs));
    const tenants: string[] = [];
    for (const [key, hits] of this.hits) {
      if (key.startsWith(TENANT) && hits.some((t) => t > nowMs - longest)) {
        tenants.push(key.slice(TENANT.length));
      }
    }
    return tenants;
  }

  /** How many more sends the tenant's windows take now, and when the fullest frees a slot. */
  tenantRoom(tenantId: string, nowMs: number): TenantRoom {
    const recent = this.hits.get(`${TENANT}${tenantId}`) ?? [];
    let room = Infinity;
    let freesInMs = 0;
    for (const window of this.tenantWindows) {
      const inWindow = recent.filter((t) => t > nowMs - window.periodMs);
      const left = window.max - inWindow.length;
      if (left < room) room = left;
      if (left <= 0) {
        const freeing = inWindow[inWindow.length - window.max]!;
        freesInMs = Math.max(freesInMs, freeing + window.periodMs - nowMs);
      }
    }
    return { room: Math.max(0, room), freesInMs };
  }
}
