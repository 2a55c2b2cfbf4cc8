/**
 * The job-engine scheduler on a real PostgreSQL with real pg-boss (two workers, each with its own
 * store and pool, as two instances would have), on real time with a short interval: every
 * integration runs once per interval and never twice within one; a run that throws is retried
 * after a back-off; a job held by a dead worker (its job fetched and its lease taken, then gone) is
 * run by another worker once the job and the lease expire. Checks are a scripted port (no network).
 */
import type { HealthCheckInput, HealthCheckRun } from '../../api/src/health/checks';
import { JobHealthScheduler } from '../../api/src/health/job-scheduler';
import { HealthMonitor } from '../../api/src/health/monitor';
import { PgBossHealthQueue } from '../../api/src/health/pg-boss-queue';
import type { IntegrationStore } from '../../api/src/store/port';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import { connectIntegration } from '../support/integration-rows';
import { TestDatabases } from '../support/postgres';
import { waitFor } from '../support/wait-for';

const INTERVAL = 4_000;
const LEASE = 5_000;
const tenant = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const databases = new TestDatabases();
afterAll(() => databases.dropAll());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class ScriptedChecks {
  readonly runs: Array<{ tenantId: string; at: number }> = [];
  /** Tenants whose next run throws (once each). */
  readonly throwOnce = new Set<string>();
  /** Tenants whose runs get no answer until abandoned (the signal aborts, as real checks honour it). */
  readonly hang = new Set<string>();
  readonly started: string[] = [];
  run = async (input: HealthCheckInput): Promise<HealthCheckRun> => {
    const tenantId = input.integration.tenantId;
    this.started.push(tenantId);
    if (this.throwOnce.delete(tenantId)) throw new Error(`scripted failure for ${tenantId}`);
    if (this.hang.has(tenantId)) {
      return new Promise<HealthCheckRun>((_resolve, reject) =>
        input.signal?.addEventListener('abort', () => reject(input.signal?.reason as Error)),
      );
    }
    this.runs.push({ tenantId, at: Date.now() });
    return { results: [{ check: 'certificate', status: 'ok', durationMs: 0 }], roomCursor: 0 };
  };
}

async function openStore(url: string): Promise<IntegrationStore> {
  const store = await openPostgresStore({ connectionString: url });
  cleanups.push(() => store.close());
  return store;
}

function worker(
  url: string,
  store: IntegrationStore,
  checks: ScriptedChecks,
  owner: string,
  errors: unknown[],
  { leaseMs = LEASE, stopGraceMs }: { leaseMs?: number; stopGraceMs?: number } = {},
) {
  const queue = new PgBossHealthQueue({
    connectionString: url,
    expireInMs: leaseMs,
    retryDelayMs: 1_000,
    maintenanceIntervalMs: 1_000,
    onError: (error) => errors.push(error),
  });
  const scheduler = new JobHealthScheduler({
    queue,
    store,
    monitor: new HealthMonitor({ store, checks, clock: () => new Date(), intervalMs: INTERVAL }),
    clock: () => new Date(),
    owner,
    leaseMs,
    concurrency: 4,
    pollIntervalMs: 200,
    planIntervalMs: 1_000,
    ...(stopGraceMs !== undefined ? { stopGraceMs } : {}),
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => scheduler.stop());
  return scheduler;
}

it('runs every integration once per interval across two workers, never twice within one', async () => {
  const url = await databases.create();
  const [a, b] = [await openStore(url), await openStore(url)];
  for (let i = 1; i <= 12; i++) await connectIntegration(a, tenant(i), Date.now());
  const checks = new ScriptedChecks();
  const errors: unknown[] = [];
  const one = worker(url, a, checks, 'worker-1', errors);
  const two = worker(url, b, checks, 'worker-2', errors);
  await Promise.all([one.start(), two.start()]);
  // Every integration's first run and at least one more (the limit only bounds a hang).
  await waitFor(
    () =>
      Array.from({ length: 12 }, (_, i) => tenant(i + 1)).every(
        (t) => checks.runs.filter((r) => r.tenantId === t).length >= 2,
      ),
    120_000,
    100,
  );
  await Promise.all([one.stop(), two.stop()]);

  for (let i = 1; i <= 12; i++) {
    const times = checks.runs.filter((r) => r.tenantId === tenant(i)).map((r) => r.at);
    expect(times.length).toBeGreaterThanOrEqual(2);
    // The jitter is ±10 %: two runs of one integration are never closer than 0.9 interval.
    for (let k = 1; k < times.length; k++)
      expect((times[k] ?? 0) - (times[k - 1] ?? 0)).toBeGreaterThanOrEqual(0.9 * INTERVAL);
    // Every run the checks saw was recorded, once.
    const results = await a.listHealthResults(tenant(i), { limit: 100 });
    expect(results).toHaveLength(times.length);
  }
  expect(errors).toEqual([]);
});

it('tries a run that throws again (the engine retries it; the planner would too) and records it once', async () => {
  const url = await databases.create();
  const store = await openStore(url);
  await connectIntegration(store, tenant(1), Date.now());
  const checks = new ScriptedChecks();
  checks.throwOnce.add(tenant(1));
  const errors: unknown[] = [];
  const scheduler = worker(url, store, checks, 'worker-1', errors);
  await scheduler.start();
  await waitFor(async () => (await store.getIntegrationHealth(tenant(1)))?.lastRunAt !== undefined, 60_000);
  expect(checks.runs).toHaveLength(1);
  expect(errors).toEqual([expect.objectContaining({ message: `scripted failure for ${tenant(1)}` })]);
  expect((await store.getIntegrationHealth(tenant(1)))?.leaseOwner).toBeUndefined();
});

it("runs a dead worker's integration once its job and its lease expire", async () => {
  const url = await databases.create();
  const store = await openStore(url);
  const integration = await connectIntegration(store, tenant(1), Date.now());
  // The dead worker: it fetched the job and took the lease, then vanished without a word.
  const errors: unknown[] = [];
  const dead = new PgBossHealthQueue({
    connectionString: url,
    expireInMs: LEASE,
    retryDelayMs: 1_000,
    maintenanceIntervalMs: 1_000,
  });
  await dead.start();
  await dead.plan([
    { tenantId: tenant(1), integrationId: integration.id, startAfter: new Date().toISOString() },
  ]);
  await waitFor(async () => (await dead.fetch(1)).length === 1, 10_000);
  const leasedAt = Date.now();
  const leased = await store.claimHealthCheck({
    tenantId: tenant(1),
    owner: 'dead-worker',
    now: new Date(),
    leaseMs: LEASE,
    statuses: ['verified'],
  });
  expect(leased).toBeDefined();
  await dead.stop();

  const checks = new ScriptedChecks();
  const live = worker(url, store, checks, 'live-worker', errors);
  await live.start();
  await waitFor(() => checks.runs.length === 1, 60_000);
  expect((checks.runs[0]?.at ?? 0) - leasedAt).toBeGreaterThanOrEqual(LEASE);
  await waitFor(async () => (await store.getIntegrationHealth(tenant(1)))?.lastRunAt !== undefined, 10_000);
  expect((await store.getIntegrationHealth(tenant(1)))?.leaseOwner).toBeUndefined();
  expect(errors).toEqual([]);
});

it('hands a run still going at shutdown to another worker at once: its lease released, its job due again', async () => {
  const url = await databases.create();
  const [a, b] = [await openStore(url), await openStore(url)];
  await connectIntegration(a, tenant(1), Date.now());
  // Leases far longer than the test: the other worker can only get it if they are released.
  const options = { leaseMs: 10 * 60_000, stopGraceMs: 200 };
  const errors: unknown[] = [];
  const stuck = new ScriptedChecks();
  stuck.hang.add(tenant(1));
  const one = worker(url, a, stuck, 'worker-1', errors, options);
  await one.start();
  await waitFor(() => stuck.started.includes(tenant(1)), 60_000);
  expect((await a.getIntegrationHealth(tenant(1)))?.leaseOwner).toBe('worker-1');

  await one.stop();
  expect((await a.getIntegrationHealth(tenant(1)))?.leaseOwner).toBeUndefined();
  expect(await a.listHealthResults(tenant(1), { limit: 10 })).toEqual([]);

  const checks = new ScriptedChecks();
  const two = worker(url, b, checks, 'worker-2', errors, options);
  await two.start();
  await waitFor(async () => (await b.getIntegrationHealth(tenant(1)))?.lastRunAt !== undefined, 60_000);
  expect(checks.runs.map((r) => r.tenantId)).toEqual([tenant(1)]);
  expect(errors).toEqual([]);
});
