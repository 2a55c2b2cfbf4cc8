/**
 * What one health job does, on the real SQLite store with a recording queue and a fake clock (the
 * engine itself, pg-boss, is exercised on PostgreSQL in test/integration/health-job-engine.test.ts):
 * a due run runs under the lease and plans the next job at the monitor's next run; an early or
 * duplicate job only re-plans; a job for a disconnected integration ends; a lease held elsewhere and
 * a run that throws fail the job (retried by the engine), the latter with its lease freed.
 */
import type { HealthCheckInput, HealthCheckRun } from '../../api/src/health/checks';
import type { HealthJob, HealthJobQueue, PlannedHealthJob } from '../../api/src/health/job-queue-port';
import { HealthLeaseBusyError, JobHealthScheduler } from '../../api/src/health/job-scheduler';
import { HealthMonitor } from '../../api/src/health/monitor';
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { connectIntegration } from '../support/integration-rows';
import { ManualClock, ManualTimers } from './health-fakes';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const INTERVAL = 15 * 60_000;
const TENANT = 'aaaaaaaa-0000-0000-0000-00000000000a';

class RecordingQueue implements HealthJobQueue {
  readonly planned: PlannedHealthJob[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async fetch(): Promise<HealthJob[]> {
    return [];
  }
  async complete(): Promise<void> {}
  async fail(): Promise<void> {}
  async plan(jobs: readonly PlannedHealthJob[]): Promise<void> {
    this.planned.push(...jobs);
  }
}

const stores: IntegrationStore[] = [];
afterEach(async () => Promise.all(stores.splice(0).map((s) => s.close())));

async function world() {
  const clock = new ManualClock(NOW);
  const store = openSqliteStore({ file: ':memory:', clock: clock.date });
  stores.push(store);
  const integration = await connectIntegration(store, TENANT, NOW);
  const queue = new RecordingQueue();
  const checks = {
    runs: 0,
    error: undefined as Error | undefined,
    run: async (_input: HealthCheckInput): Promise<HealthCheckRun> => {
      checks.runs += 1;
      if (checks.error) throw checks.error;
      return { results: [{ check: 'certificate', status: 'ok', durationMs: 0 }], roomCursor: 0 };
    },
  };
  const errors: unknown[] = [];
  const scheduler = new JobHealthScheduler({
    queue,
    store,
    monitor: new HealthMonitor({ store, checks, clock: clock.date, intervalMs: INTERVAL, random: () => 0.5 }),
    clock: clock.date,
    timers: new ManualTimers(),
    owner: 'worker-1',
    leaseMs: 5 * 60_000,
    concurrency: 4,
    pollIntervalMs: 1_000,
    planIntervalMs: 60_000,
    onError: (error) => errors.push(error),
  });
  const job: HealthJob = { id: 'job-1', data: { tenantId: TENANT, integrationId: integration.id } };
  return { clock, store, queue, checks, scheduler, job, integration, errors };
}

const iso = (ms: number) => new Date(ms).toISOString();

it('runs a due integration under the lease and plans its next job at the next run', async () => {
  const w = await world();
  expect(await w.scheduler.runJob(w.job)).toBe('ran');
  expect(w.checks.runs).toBe(1);
  expect(w.queue.planned).toEqual([{ ...w.job.data, startAfter: iso(NOW + INTERVAL) }]);
  expect(await w.store.getIntegrationHealth(TENANT)).toMatchObject({ nextRunAt: iso(NOW + INTERVAL) });
  expect((await w.store.getIntegrationHealth(TENANT))?.leaseOwner).toBeUndefined();
});

it('only re-plans a job that comes before the run is due (a duplicate, or one a check-now outran)', async () => {
  const w = await world();
  await w.scheduler.runJob(w.job);
  w.clock.advance(INTERVAL / 2);
  expect(await w.scheduler.runJob(w.job)).toBe('not_due');
  expect(w.checks.runs).toBe(1);
  expect(w.queue.planned.at(-1)).toEqual({ ...w.job.data, startAfter: iso(NOW + INTERVAL) });
  expect((await w.store.getIntegrationHealth(TENANT))?.leaseOwner).toBeUndefined();
  // Once due, the same job runs.
  w.clock.advance(INTERVAL / 2);
  expect(await w.scheduler.runJob(w.job)).toBe('ran');
});

it('ends the job of an integration that was disconnected, planning nothing', async () => {
  const w = await world();
  const { createdAt: _c, updatedAt: _u, version, ...rest } = w.integration;
  await w.store.saveIntegration({ ...rest, status: 'disconnected' }, { expectedVersion: version });
  expect(await w.scheduler.runJob(w.job)).toBe('not_monitored');
  expect(w.queue.planned).toEqual([]);
  expect(w.checks.runs).toBe(0);
});

it('fails the job (a busy lease error, retried by the engine) while another worker holds the lease', async () => {
  const w = await world();
  await w.store.claimHealthCheck({
    tenantId: TENANT,
    owner: 'worker-2',
    now: w.clock.date(),
    leaseMs: 60_000,
    statuses: ['verified'],
  });
  await expect(w.scheduler.runJob(w.job)).rejects.toBeInstanceOf(HealthLeaseBusyError);
  expect(w.checks.runs).toBe(0);
  expect((await w.store.getIntegrationHealth(TENANT))?.leaseOwner).toBe('worker-2');
});

it('frees the lease of a run that throws and fails the job, so the back-off decides the retry', async () => {
  const w = await world();
  w.checks.error = new Error('store went away');
  await expect(w.scheduler.runJob(w.job)).rejects.toThrow('store went away');
  expect((await w.store.getIntegrationHealth(TENANT))?.leaseOwner).toBeUndefined();
  expect(w.queue.planned).toEqual([]);
  w.checks.error = undefined;
  expect(await w.scheduler.runJob(w.job)).toBe('ran');
});

it('answers check now like the in-process scheduler: checked, then busy while held elsewhere', async () => {
  const w = await world();
  expect(await w.scheduler.checkNow(TENANT)).toMatchObject({ status: 'checked' });
  await w.store.claimHealthCheck({
    tenantId: TENANT,
    owner: 'worker-2',
    now: w.clock.date(),
    leaseMs: 60_000,
    statuses: ['verified'],
  });
  expect(await w.scheduler.checkNow(TENANT)).toEqual({ status: 'busy' });
  expect(await w.scheduler.checkNow('bbbbbbbb-0000-0000-0000-00000000000b')).toEqual({
    status: 'not_connected',
  });
});
