/**
 * The scheduler and monitor over the real SQLite store with port fakes, on a fake clock: due
 * selection, jitter bounds, leases across two schedulers on one database file, throttled back-off,
 * check now, and the alert outbox written with each state change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAppCertificate } from '../../scripts/dev-certs';
import { HealthChecks } from '../../api/src/health/checks';
import { HealthMonitor } from '../../api/src/health/monitor';
import { HealthScheduler } from '../../api/src/health/scheduler';
import { DEFAULT_STOP_GRACE_MS } from '../../api/src/health/active-runs';
import type { AppToken } from '../../api/src/identity/port';
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { connectIntegration } from '../support/integration-rows';
import type { IntegrationStatus } from '../../api/src/store/types';
import {
  APP_ID,
  FakeExchange,
  FakeTokens,
  FakeVault,
  ManualClock,
  ManualTimers,
  failure,
  until,
} from './health-fakes';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const MIN = 60_000;
const INTERVAL = 15 * MIN;
const TENANT_A = 'aaaaaaaa-0000-0000-0000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-0000-0000-00000000000b';

let dir: string;
let certPem: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'exchange-connect-health-'));
  certPem = (await createAppCertificate({ notAfter: new Date(NOW + 365 * 24 * 60 * MIN) })).certPem;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const stores: IntegrationStore[] = [];
const schedulers: HealthScheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

interface World {
  clock: ManualClock;
  timers: ManualTimers;
  tokens: FakeTokens;
  exchange: FakeExchange;
  file: string;
  store: IntegrationStore;
  errors: unknown[];
  scheduler(options?: {
    random?: () => number;
    store?: IntegrationStore;
    owner?: string;
    historyRetentionMs?: number;
  }): HealthScheduler;
}

function world(): World {
  const clock = new ManualClock(NOW);
  const timers = new ManualTimers();
  const tokens = new FakeTokens(clock);
  const exchange = new FakeExchange();
  const file = path.join(dir, `health-${++files}.db`);
  const store = openSqliteStore({ file, clock: clock.date });
  stores.push(store);
  const errors: unknown[] = [];
  const checks = new HealthChecks({
    appId: APP_ID,
    exchangeOnlineEwsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
    graphUrl: 'https://graph.microsoft.com',
    appCertificatePem: certPem,
    tokens,
    protocols: { ews: exchange },
    checkEndpoint: async () => undefined,
    vault: new FakeVault('pw'),
    timers,
    now: clock.now,
  });
  return {
    clock,
    timers,
    tokens,
    exchange,
    file,
    store,
    errors,
    scheduler: (options = {}) => {
      const s = options.store ?? store;
      const scheduler = new HealthScheduler({
        store: s,
        monitor: new HealthMonitor({
          store: s,
          checks,
          clock: clock.date,
          intervalMs: INTERVAL,
          random: options.random ?? (() => 0.5),
        }),
        clock: clock.date,
        timers,
        ...(options.owner ? { owner: options.owner } : {}),
        ...(options.historyRetentionMs ? { historyRetentionMs: options.historyRetentionMs } : {}),
        onError: (error) => errors.push(error),
      });
      schedulers.push(scheduler);
      return scheduler;
    },
  };
}

const connect = (store: IntegrationStore, tenantId: string, status?: IntegrationStatus) =>
  connectIntegration(store, tenantId, NOW, status);

const iso = (ms: number) => new Date(ms).toISOString();

describe('due selection and jitter', () => {
  it('checks connected integrations (verified, failed, pending) only, then again after the interval', async () => {
    const w = world();
    await connect(w.store, TENANT_A, 'verified');
    await connect(w.store, TENANT_B, 'pending_consent');
    await w.store.upsertTenant({ id: 'cccccccc-0000-0000-0000-00000000000c' });
    await connect(w.store, 'cccccccc-0000-0000-0000-00000000000c', 'failed');
    const scheduler = w.scheduler();

    const first = await scheduler.runDue();
    expect(first.map((o) => o.tenantId).sort()).toEqual([TENANT_A, 'cccccccc-0000-0000-0000-00000000000c']);
    expect(first.every((o) => o.nextRunAt === iso(NOW + INTERVAL))).toBe(true);
    expect(await scheduler.runDue()).toEqual([]);

    w.clock.advance(INTERVAL - 1);
    expect(await scheduler.runDue()).toEqual([]);
    w.clock.advance(1);
    expect(await scheduler.runDue()).toHaveLength(2);

    // Disconnected: never checked again.
    const current = await w.store.getIntegration(TENANT_A);
    if (!current) throw new Error('no integration');
    const { createdAt: _c, updatedAt: _u, version, ...rest } = current;
    await w.store.saveIntegration({ ...rest, status: 'disconnected' }, { expectedVersion: version });
    w.clock.advance(INTERVAL * 2);
    expect((await scheduler.runDue()).map((o) => o.tenantId)).toEqual([
      'cccccccc-0000-0000-0000-00000000000c',
    ]);
  });

  it.each([
    [0, 0.9 * INTERVAL],
    [0.5, INTERVAL],
    [0.999999, 1.1 * INTERVAL],
  ])('with random() = %f the next run is %i ms later (±10 %% jitter)', async (random, delay) => {
    const w = world();
    await connect(w.store, TENANT_A);
    const [outcome] = await w.scheduler({ random: () => random }).runDue();
    expect(Date.parse(outcome?.nextRunAt ?? '') - NOW).toBeCloseTo(delay, -1);
    expect(Date.parse(outcome?.nextRunAt ?? '') - NOW).toBeGreaterThanOrEqual(0.9 * INTERVAL);
    expect(Date.parse(outcome?.nextRunAt ?? '') - NOW).toBeLessThanOrEqual(1.1 * INTERVAL);
  });
});

describe('leases', () => {
  it('lets only one of two schedulers on one database file check an integration', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const otherStore = openSqliteStore({ file: w.file, clock: w.clock.date });
    stores.push(otherStore);
    const one = w.scheduler({ owner: 'worker-1' });
    const two = w.scheduler({ owner: 'worker-2', store: otherStore });

    // Hold worker 1's token request open, so its run is in progress while worker 2 looks.
    let answer!: (token: AppToken) => void;
    w.tokens.getAppToken = async () => new Promise<AppToken>((resolve) => (answer = resolve));
    const running = one.runDue();
    await until(() => answer !== undefined);
    expect(await two.runDue()).toEqual([]);
    expect(await two.checkNow(TENANT_A)).toEqual({ status: 'busy' });

    answer({ accessToken: 't', expiresOn: new Date(NOW + 3600_000), roles: ['full_access_as_app'] });
    expect((await running).map((o) => o.state)).toEqual(['healthy']);
    const results = await w.store.listHealthResults(TENANT_A, { limit: 100 });
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(w.errors).toEqual([]);
  });

  it("takes over a crashed worker's integration once its lease expires", async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    await w.store.claimDueHealthChecks({
      owner: 'crashed',
      now: w.clock.date(),
      leaseMs: 5 * MIN,
      limit: 10,
      statuses: ['verified'],
    });
    const scheduler = w.scheduler();
    expect(await scheduler.runDue()).toEqual([]);
    w.clock.advance(5 * MIN);
    expect(await scheduler.runDue()).toHaveLength(1);
  });
});

describe('throttling', () => {
  it('does not schedule the next run before the back-off Exchange asked for, nor check now', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    w.exchange.mailboxError = failure('throttled', 'ErrorServerBusy', 2 * 3600_000);
    const scheduler = w.scheduler();
    const [outcome] = await scheduler.runDue();
    expect(outcome).toMatchObject({
      // One throttled run is damped: the state stays, the back-off is kept.
      state: 'healthy',
      backoffUntil: iso(NOW + 2 * 3600_000),
      nextRunAt: iso(NOW + 2 * 3600_000),
    });
    w.exchange.mailboxError = undefined;

    w.clock.advance(INTERVAL * 1.2);
    expect(await scheduler.runDue()).toEqual([]);
    expect(await scheduler.checkNow(TENANT_A)).toEqual({
      status: 'throttled',
      retryAfterMs: 2 * 3600_000 - INTERVAL * 1.2,
    });
    w.clock.advance(2 * 3600_000 - INTERVAL * 1.2);
    expect((await scheduler.runDue()).map((o) => o.state)).toEqual(['healthy']);
  });

  it('keeps a short back-off inside the normal interval', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    w.exchange.mailboxError = failure('throttled', 'ErrorServerBusy', 30_000);
    const [outcome] = await w.scheduler().runDue();
    expect(outcome).toMatchObject({ backoffUntil: iso(NOW + 30_000), nextRunAt: iso(NOW + INTERVAL) });
  });
});

describe('check now', () => {
  it('runs at once whatever the schedule, and says when there is nothing to check', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler();
    await scheduler.runDue();
    const now = await scheduler.checkNow(TENANT_A);
    expect(now).toMatchObject({ status: 'checked', outcome: { tenantId: TENANT_A, state: 'healthy' } });
    expect(await scheduler.checkNow(TENANT_B)).toEqual({ status: 'not_connected' });
    expect(
      new Set((await w.store.listHealthResults(TENANT_A, { limit: 100 })).map((r) => r.runId)).size,
    ).toBe(2);
  });
});

describe('alerts through the outbox', () => {
  it('writes exactly one failing alert after the damping runs and one recovered alert', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler();
    const alerts = async () => (await w.store.listAlerts(TENANT_A, { limit: 100 })).reverse();
    const tick = async () => {
      const outcome = await scheduler.checkNow(TENANT_A);
      w.clock.advance(INTERVAL);
      return outcome.status === 'checked' ? outcome.outcome.state : outcome.status;
    };

    expect(await tick()).toBe('healthy');
    w.tokens.error = failure('consent_missing', 'AADSTS7000229');
    expect([await tick(), await tick(), await tick()]).toEqual(['healthy', 'failing', 'failing']);
    expect((await alerts()).map((a) => a.kind)).toEqual(['failing']);
    expect((await alerts())[0]).toMatchObject({
      severity: 'critical',
      failingCheck: 'token',
      microsoftCode: 'AADSTS7000229',
      remediation: 'fix AADSTS7000229',
      since: iso(NOW + INTERVAL),
    });

    w.tokens.error = undefined;
    expect([await tick(), await tick()]).toEqual(['healthy', 'healthy']);
    expect((await alerts()).map((a) => a.kind)).toEqual(['failing', 'recovered']);
    expect((await w.store.listUnplannedAlerts({ limit: 10 })).map((a) => a.kind)).toEqual([
      'failing',
      'recovered',
    ]);
    expect(await w.store.getIntegrationHealth(TENANT_A)).toMatchObject({
      state: 'healthy',
      consecutiveFailures: 0,
    });
  });

  it('writes alerts while muted too: the notifier, not the monitor, honours the mute', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler();
    await scheduler.checkNow(TENANT_A);
    await w.store.setHealthMute(TENANT_A, iso(NOW + 24 * 3600_000));
    w.exchange.mailboxError = failure('mailbox_not_found', 'ErrorNonExistentMailbox');
    await scheduler.checkNow(TENANT_A);
    await scheduler.checkNow(TENANT_A);
    expect((await w.store.listAlerts(TENANT_A, { limit: 10 })).map((a) => a.kind)).toEqual(['failing']);
  });
});

describe('start and stop', () => {
  it('polls on its timer and stops after the run in progress is written', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler();
    scheduler.start();
    expect(w.timers.pending.size).toBe(1);

    let answer!: (token: AppToken) => void;
    w.tokens.getAppToken = async () => new Promise<AppToken>((resolve) => (answer = resolve));
    w.timers.fireAll();
    await until(() => answer !== undefined);
    const stopping = scheduler.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    // A whole turn of the event loop: a stop() that does not wait for the run would have settled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    answer({ accessToken: 't', expiresOn: new Date(NOW + 3600_000), roles: ['full_access_as_app'] });
    await stopping;
    expect(await w.store.listHealthResults(TENANT_A, { limit: 100 })).not.toEqual([]);
    expect((await w.store.getIntegrationHealth(TENANT_A))?.leaseOwner).toBeUndefined();
    // No poll is scheduled after stop (the check timeouts were cleared too).
    expect(w.timers.pending.size).toBe(0);
  });
});

describe('shutdown', () => {
  it('abandons a run still going after the grace period: its lease is released at once, nothing is recorded', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler();
    // Entra never answers this run's token request.
    w.tokens.hang = true;
    const pass = scheduler.runDue();
    await until(() => w.tokens.calls.length > 0);
    expect((await w.store.getIntegrationHealth(TENANT_A))?.leaseOwner).toBe(scheduler.owner);

    let stopped = false;
    void scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    // The grace period passes (the check's own 30 s timeout has not).
    w.timers.fire(DEFAULT_STOP_GRACE_MS);
    await until(() => stopped);
    await pass;
    const health = await w.store.getIntegrationHealth(TENANT_A);
    expect(health?.leaseOwner).toBeUndefined();
    expect(health?.lastRunAt).toBeUndefined();
    expect(await w.store.listHealthResults(TENANT_A, { limit: 10 })).toEqual([]);
    expect(w.errors).toEqual([]);

    // Another instance takes it at once, long before the lease would have expired.
    w.tokens.hang = false;
    const other = w.scheduler({ owner: 'worker-2' });
    expect((await other.runDue()).map((o) => o.tenantId)).toEqual([TENANT_A]);
  });
});

describe('history', () => {
  it('keeps every result of every run, and prunes those older than the retention', async () => {
    const w = world();
    await connect(w.store, TENANT_A);
    const scheduler = w.scheduler({ historyRetentionMs: 2 * INTERVAL });
    await scheduler.runDue();
    const perRun = (await w.store.listHealthResults(TENANT_A, { limit: 100 })).length;
    // certificate, EWS countdown, token, mailbox, EWS allow list, rooms (a legacy EWS connection).
    expect(perRun).toBe(6);
    w.clock.advance(INTERVAL);
    await scheduler.runDue();
    expect(await w.store.listHealthResults(TENANT_A, { limit: 100 })).toHaveLength(2 * perRun);
    w.clock.advance(INTERVAL + 1);
    await scheduler.runDue();
    const kept = await w.store.listHealthResults(TENANT_A, { limit: 100 });
    expect(new Set(kept.map((r) => r.checkedAt))).toEqual(
      new Set([iso(NOW + INTERVAL), iso(NOW + 2 * INTERVAL + 1)]),
    );
  });
});
