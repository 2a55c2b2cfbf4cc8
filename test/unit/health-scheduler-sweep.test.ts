/**
 * The in-process scheduler without a batch-and-sleep cap, over the real SQLite store on a fake clock:
 * a pass checks every due integration with at most `concurrency` in flight (claiming only free
 * slots), the next pass is timed by the earliest next run, and stop() hands back what was claimed
 * but not started. Runs are held open by a scripted checks port, released by the test: no sleeps.
 */
import type { HealthCheckInput, HealthCheckRun } from '../../api/src/health/checks';
import { HealthMonitor } from '../../api/src/health/monitor';
import { HealthScheduler } from '../../api/src/health/scheduler';
import type { ClaimDueHealthOptions, HealthClaim } from '../../api/src/store/health-port';
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { connectIntegration } from '../support/integration-rows';
import { ManualClock, ManualTimers } from './health-fakes';

/** Resolves once `condition` holds, looking after each turn of the event loop (no timers, no sleeps). */
async function until(condition: () => boolean, turns = 2_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const INTERVAL = 15 * 60_000;
const tenant = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** Checks that stay in flight until the test releases them, counting how many run at once. */
class HeldChecks {
  inFlight = 0;
  maxInFlight = 0;
  readonly checked: string[] = [];
  private readonly waiting: Array<() => void> = [];
  hold = true;

  run = async (input: HealthCheckInput): Promise<HealthCheckRun> => {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.checked.push(input.integration.tenantId);
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight -= 1;
    return { results: [], roomCursor: 0 };
  };

  get held(): number {
    return this.waiting.length;
  }
  releaseOne(): void {
    this.waiting.shift()?.();
  }
  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

/** The store with its due-claim observed and, when `gate` is set, held until the test opens it. */
function observed(store: IntegrationStore) {
  const limits: number[] = [];
  const claimed: number[] = [];
  let gate: Promise<void> | undefined;
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'claimDueHealthChecks') {
        return async (options: ClaimDueHealthOptions): Promise<HealthClaim[]> => {
          limits.push(options.limit);
          if (gate) await gate;
          const claims = await target.claimDueHealthChecks(options);
          claimed.push(claims.length);
          return claims;
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: proxy,
    limits,
    claimed,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const stores: IntegrationStore[] = [];
const schedulers: HealthScheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function world(
  tenants: number,
  options: { concurrency?: number; intervalMs?: number; pollIntervalMs?: number } = {},
) {
  const clock = new ManualClock(NOW);
  const timers = new ManualTimers();
  const store = openSqliteStore({ file: ':memory:', clock: clock.date });
  stores.push(store);
  for (let i = 1; i <= tenants; i++) await connectIntegration(store, tenant(i), NOW);
  const checks = new HeldChecks();
  const seen = observed(store);
  const errors: unknown[] = [];
  const scheduler = new HealthScheduler({
    store: seen.store,
    monitor: new HealthMonitor({
      store,
      checks,
      clock: clock.date,
      intervalMs: options.intervalMs ?? INTERVAL,
      random: () => 0.5,
    }),
    clock: clock.date,
    timers,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    onError: (error) => errors.push(error),
  });
  schedulers.push(scheduler);
  return { clock, timers, store, checks, seen, scheduler, errors };
}

describe('a pass', () => {
  it('claims again once an eighth of the slots are free, not per finished check (each claim sorts all due)', async () => {
    const w = await world(96, { concurrency: 32 });
    const pass = w.scheduler.runDue();
    let released = 0;
    while (released < 96) {
      await until(() => w.checks.held > 0);
      // Checks finish one at a time, as they do against real latency.
      w.checks.releaseOne();
      released += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await pass).toHaveLength(96);
    // 32 at first, then 4 at a time: 17 claims, and a last one that comes back empty. Claiming
    // per finished check would be 65.
    expect(w.seen.claimed.length).toBeLessThanOrEqual(20);
    expect(w.seen.claimed.reduce((a, b) => a + b, 0)).toBe(96);
    expect(w.checks.maxInFlight).toBe(32);
  });

  it('checks every due integration in one pass, never more than the concurrency at once', async () => {
    const w = await world(50, { concurrency: 8 });
    const pass = w.scheduler.runDue();
    for (let released = 0; released < 50;) {
      await until(() => w.checks.held === Math.min(8, 50 - released));
      expect(w.checks.inFlight).toBe(Math.min(8, 50 - released));
      released += w.checks.held;
      w.checks.releaseAll();
    }
    const outcomes = await pass;
    expect(outcomes).toHaveLength(50);
    expect(new Set(w.checks.checked).size).toBe(50);
    expect(w.checks.maxInFlight).toBe(8);
    // Claimed only what had a free slot: never a lease waiting on a busy worker.
    expect(Math.max(...w.seen.limits)).toBe(8);
    expect(w.seen.claimed.reduce((a, b) => a + b, 0)).toBe(50);
    expect(w.errors).toEqual([]);
    expect(await w.scheduler.runDue()).toEqual([]);
  });

  it('keeps every slot busy: a finished run is replaced before the others finish', async () => {
    const w = await world(5, { concurrency: 2 });
    const pass = w.scheduler.runDue();
    await until(() => w.checks.held === 2);
    w.checks.releaseAll();
    await until(() => w.checks.held === 2);
    expect(w.checks.checked).toHaveLength(4);
    w.checks.releaseAll();
    await until(() => w.checks.held === 1);
    w.checks.releaseAll();
    expect(await pass).toHaveLength(5);
  });

  it('uses 32 at once by default', async () => {
    const w = await world(40);
    const pass = w.scheduler.runDue();
    await until(() => w.checks.held === 32);
    w.checks.hold = false;
    w.checks.releaseAll();
    expect(await pass).toHaveLength(40);
    expect(w.checks.maxInFlight).toBe(32);
  });
});

describe('when the next pass is made', () => {
  it('as soon as the earliest known next run is due, not after a fixed sleep', async () => {
    const w = await world(3, { intervalMs: 10_000, pollIntervalMs: 30_000 });
    w.checks.hold = false;
    w.scheduler.start();
    expect([...w.timers.pending.values()].map((t) => t.ms)).toEqual([0]);
    w.timers.fireAll();
    await until(() => w.timers.pending.size === 1);
    // random() = 0.5: every run is next due exactly one interval later.
    expect([...w.timers.pending.values()].map((t) => t.ms)).toEqual([10_000]);
    expect(w.checks.checked).toHaveLength(3);

    w.clock.advance(10_000);
    w.timers.fireAll();
    await until(() => w.checks.checked.length === 6 && w.timers.pending.size === 1);
    expect([...w.timers.pending.values()].map((t) => t.ms)).toEqual([10_000]);
  });

  it('looks again after the poll interval when nothing it knows of is due sooner', async () => {
    const w = await world(0, { pollIntervalMs: 30_000 });
    w.scheduler.start();
    w.timers.fireAll();
    await until(() => w.timers.pending.size === 1);
    expect([...w.timers.pending.values()].map((t) => t.ms)).toEqual([30_000]);

    // A newly connected integration is found by that look.
    await connectIntegration(w.store, tenant(1), NOW);
    w.checks.hold = false;
    w.clock.advance(30_000);
    w.timers.fireAll();
    await until(() => w.checks.checked.length === 1);
  });
});

describe('stop', () => {
  it('hands back integrations claimed but not started, and waits for the runs in progress', async () => {
    const w = await world(6, { concurrency: 4 });
    const pass = w.scheduler.runDue();
    await until(() => w.checks.held === 4);
    const open = w.seen.hold();
    w.checks.releaseAll();
    // Two slots freed: the scheduler claims again, and that claim is held open.
    await until(() => w.seen.limits.length === 2);
    const stopping = w.scheduler.stop();
    open();
    await stopping;
    await pass;
    expect(w.checks.checked).toHaveLength(4);
    // The two claimed after stop() are free for another worker at once, not after the lease.
    const health = await Promise.all([5, 6].map((i) => w.store.getIntegrationHealth(tenant(i))));
    expect(health.map((h) => h?.leaseOwner)).toEqual([undefined, undefined]);
    const other = await w.store.claimDueHealthChecks({
      owner: 'other',
      now: w.clock.date(),
      leaseMs: 60_000,
      limit: 10,
      statuses: ['verified'],
    });
    expect(other.map((c) => c.integration.tenantId).sort()).toEqual([tenant(5), tenant(6)]);
    expect(w.errors).toEqual([]);
  });
});
