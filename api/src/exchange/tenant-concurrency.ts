/**
 * At most N EWS requests in flight per tenant: Exchange Online throttles per organisation and
 * per app, so room discovery and health checks of one tenant must not fan out without bound.
 */
interface TenantSlots {
  active: number;
  waiting: Array<() => void>;
}

export const DEFAULT_TENANT_CONCURRENCY = 10;

export class TenantConcurrency {
  private readonly tenants = new Map<string, TenantSlots>();

  constructor(readonly limit: number = DEFAULT_TENANT_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Runs `task` once one of the tenant's slots is free; the slot is released however it ends. */
  async run<T>(tenantId: string, task: () => Promise<T>): Promise<T> {
    const slots = await this.acquire(tenantId.toLowerCase());
    try {
      return await task();
    } finally {
      this.release(tenantId.toLowerCase(), slots);
    }
  }

  inFlight(tenantId: string): number {
    return this.tenants.get(tenantId.toLowerCase())?.active ?? 0;
  }

  private async acquire(key: string): Promise<TenantSlots> {
    let slots = this.tenants.get(key);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.tenants.set(key, slots);
    }
    if (slots.active < this.limit) {
      slots.active += 1;
      return slots;
    }
    // The releasing task hands its slot over directly, so `active` never dips below the limit.
    await new Promise<void>((resolve) => slots.waiting.push(resolve));
    return slots;
  }

  private release(key: string, slots: TenantSlots): void {
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.active -= 1;
    if (slots.active === 0) this.tenants.delete(key);
  }
}
