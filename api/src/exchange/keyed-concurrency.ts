/**
 * At most N requests in flight per key. Exchange throttles per organisation and app (EWS: keyed by
 * tenant) and Outlook on Graph allows 4 concurrent requests per app and mailbox (keyed by mailbox),
 * so room discovery and health checks must not fan out without bound.
 */
interface Slots {
  active: number;
  waiting: Array<() => void>;
}

export const DEFAULT_EWS_TENANT_CONCURRENCY = 10;
/** Outlook's documented limit on Microsoft Graph: 4 concurrent requests per app and mailbox. */
export const GRAPH_MAILBOX_CONCURRENCY = 4;

export class KeyedConcurrency {
  private readonly slots = new Map<string, Slots>();

  constructor(readonly limit: number = DEFAULT_EWS_TENANT_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Runs `task` once one of the key's slots is free; the slot is released however it ends. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const slots = await this.acquire(key.toLowerCase());
    try {
      return await task();
    } finally {
      this.release(key.toLowerCase(), slots);
    }
  }

  inFlight(key: string): number {
    return this.slots.get(key.toLowerCase())?.active ?? 0;
  }

  private async acquire(key: string): Promise<Slots> {
    let slots = this.slots.get(key);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.slots.set(key, slots);
    }
    if (slots.active < this.limit) {
      slots.active += 1;
      return slots;
    }
    // The releasing task hands its slot over directly, so `active` never dips below the limit.
    await new Promise<void>((resolve) => slots.waiting.push(resolve));
    return slots;
  }

  private release(key: string, slots: Slots): void {
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.active -= 1;
    if (slots.active === 0) this.slots.delete(key);
  }
}
