/**
 * The retention job on a real (in-memory SQLite) store, with the clock and the timers injected: what
 * it deletes at the configured limits, that it runs on start and then daily until stopped, batches,
 * and failures of one kind leaving the others pruned. No wall-clock waits.
 */
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { Timers } from '../../api/src/health/timers';
import {
  DAY_MS,
  RetentionJob,
  type PrunedKind,
  type PruneReport,
  type RetentionJobOptions,
} from '../../api/src/retention/retention-job';
import { connectIntegration } from '../support/integration-rows';
import { auditBy, TENANT_A } from '../support/store-contract/core-contract';
import { START } from '../support/store-contract/harness';

const SETTINGS = { traceDays: 30, auditDays: 60, alertDays: 10, healthResultDays: 5 };

/** Timers that only fire when the test says so. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      pending.set(++next, { callback, ms });
      return next;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((t) => t.ms),
    fire: () => {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, t] of due) t.callback();
    },
  };
}

describe('retention job', () => {
  let now = START;
  let store: IntegrationStore;
  const clock = () => new Date(now);
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY_MS).toISOString();

  beforeEach(async () => {
    now = START;
    store = openSqliteStore({ file: ':memory:', clock });
    await connectIntegration(store, TENANT_A, now);
  });
  afterEach(() => store.close());

  const job = (options: Partial<RetentionJobOptions> = {}) =>
    new RetentionJob({ store, settings: SETTINGS, clock, timers: manualTimers().timers, ...options });

  async function addTrace(daysAgo: number): Promise<void> {
    await store.addTrace({
      integrationId: `int-${TENANT_A}`,
      tenantId: TENANT_A,
      outcome: 'verified',
      mailbox: `admin@${TENANT_A}`,
      startedAt: at(daysAgo),
      finishedAt: at(daysAgo),
      steps: [],
    });
  }

  async function addAudit(daysAgo: number, action = `action-${daysAgo}`): Promise<void> {
    const saved = now;
    now -= daysAgo * DAY_MS;
    await store.appendAudit(auditBy(TENANT_A, action));
    now = saved;
  }

  async function addDeliveredAlert(daysAgo: number): Promise<void> {
    const saved = now;
    now -= daysAgo * DAY_MS;
    const alert = await store.addAlert({
      tenantId: TENANT_A,
      integrationId: `int-${TENANT_A}`,
      kind: 'certificate_expiring',
      severity: 'warning',
      title: 'Certificate expiring',
      summary: `${daysAgo} days ago`,
      since: clock().toISOString(),
    });
    await store.planAlertDeliveries(alert.id, [], clock());
    now = saved;
  }

  const traceAges = async () =>
    (await store.listTraces(TENANT_A, { limit: 100 })).map((t) => (now - Date.parse(t.startedAt)) / DAY_MS);
  const auditActions = async () => (await store.listAudit(TENANT_A, { limit: 100 })).map((e) => e.action);

  it('deletes what is older than each configured limit and keeps the rest, the newest trace however old', async () => {
    for (const days of [45, 31, 29]) await addTrace(days);
    for (const days of [61, 59]) await addAudit(days);
    for (const days of [11, 9]) await addDeliveredAlert(days);
    await store.createConsentState({
      state: 'expired',
      tenantId: TENANT_A,
      protocol: 'graph',
      userId: 'oid',
      upn: 'admin@contoso.com',
      expiresAt: at(0.001),
    });
    await store.createConsentState({
      state: 'still-valid',
      tenantId: TENANT_A,
      protocol: 'graph',
      userId: 'oid',
      upn: 'admin@contoso.com',
      expiresAt: new Date(now + 60_000).toISOString(),
    });

    const report = await job().runOnce();
    expect(report).toEqual({ traces: 2, audit: 1, alerts: 1, consentStates: 1 });
    expect(await traceAges()).toEqual([29]);
    expect(await auditActions()).toEqual(['action-59']);
    expect((await store.listAlerts(TENANT_A, { limit: 10 })).map((a) => a.summary)).toEqual(['9 days ago']);
    expect(await store.consumeConsentState('still-valid', clock())).toBeDefined();

    // Everything older than the limit, yet the integration's newest trace: kept.
    now += 100 * DAY_MS;
    expect((await job().runOnce()).traces).toBe(0);
    expect(await traceAges()).toEqual([129]);
  });

  it('runs on start, then once a day on its timer, and not after stop()', async () => {
    const timers = manualTimers();
    const reports: PruneReport[] = [];
    const retention = job({ timers: timers.timers, onPruned: (r) => reports.push(r) });
    await addAudit(61, 'first');
    retention.start();
    await retention.runOnce(); // joins the run start() began
    expect(reports).toHaveLength(1);
    expect(reports[0]?.audit).toBe(1);
    expect(timers.delays()).toEqual([DAY_MS]);

    await addAudit(59, 'second');
    now += 2 * DAY_MS;
    timers.fire();
    await retention.runOnce();
    expect(reports).toHaveLength(2);
    expect(reports[1]?.audit).toBe(1);
    expect(await auditActions()).toEqual([]);
    expect(timers.delays()).toEqual([DAY_MS]);

    await retention.stop();
    expect(timers.delays()).toEqual([]);
    retention.start();
    await retention.stop();
    expect(timers.delays()).toEqual([]);
  });

  it('empties a backlog in batches of batchSize', async () => {
    const calls: number[] = [];
    const counting = {
      ...pick(store),
      pruneAudit: async (batch: { before: Date; limit: number }) => {
        const deleted = await store.pruneAudit(batch);
        calls.push(deleted);
        return deleted;
      },
    };
    for (let i = 0; i < 5; i++) await addAudit(100 + i);
    expect((await job({ store: counting, batchSize: 2 }).runOnce()).audit).toBe(5);
    expect(calls).toEqual([2, 2, 1]);
  });

  it('reports a kind that fails and still prunes the others', async () => {
    const errors: PrunedKind[] = [];
    const failingTraces = {
      ...pick(store),
      pruneTraces: () => Promise.reject(new Error('database is locked')),
    };
    await addAudit(61);
    const report = await job({ store: failingTraces, onError: (_e, kind) => errors.push(kind) }).runOnce();
    expect(errors).toEqual(['traces']);
    expect(report).toEqual({ traces: 0, audit: 1, alerts: 0, consentStates: 0 });
  });

  it('stop() ends a run in progress after its current batch', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slow = {
      ...pick(store),
      pruneAudit: async (batch: { before: Date; limit: number }) => {
        calls++;
        await held;
        return store.pruneAudit(batch);
      },
    };
    for (let i = 0; i < 4; i++) await addAudit(100 + i);
    const retention = job({ store: slow, batchSize: 1 });
    retention.start();
    const stopped = retention.stop();
    release();
    await stopped;
    expect(calls).toBe(1);
    expect(await auditActions()).toHaveLength(3);
  });
});

/** The store methods the job uses, bound, so a test can replace one. */
function pick(store: IntegrationStore): RetentionJobOptions['store'] {
  return {
    pruneTraces: (b) => store.pruneTraces(b),
    pruneAudit: (b) => store.pruneAudit(b),
    pruneDeliveredAlerts: (b) => store.pruneDeliveredAlerts(b),
    purgeExpiredConsentStates: (n) => store.purgeExpiredConsentStates(n),
  };
}
