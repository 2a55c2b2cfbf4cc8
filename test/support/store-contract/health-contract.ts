/**
 * The store contract, part 2: the health tables — leases, run records, the alert outbox and its
 * deliveries, transactions under contention. Run on SQLite by test/unit/store-health.test.ts and on
 * PostgreSQL by test/integration/store-postgres.test.ts.
 */
import { StoreConflictError, StoreNotFoundError } from '../../../api/src/store/errors';
import type { AlertInput, DeliveryOutcome, HealthRunInput } from '../../../api/src/store/health-port';
import type { IntegrationStore } from '../../../api/src/store/port';
import type { IntegrationStatus } from '../../../api/src/store/types';
import { connectIntegration } from '../integration-rows';
import { cleanUpAfterEach, START, type StoreHarness } from './harness';

const TENANT_A = 'aaaaaaaa-0000-0000-0000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-0000-0000-00000000000b';
const MONITORED: IntegrationStatus[] = ['verified', 'failed', 'pending'];
const LEASE_MS = 60_000;

export function describeHealthStoreContract(harness: StoreHarness): void {
  cleanUpAfterEach(harness);

  let now = START;
  const clock = () => new Date(now);
  const iso = (offsetMs = 0) => new Date(now + offsetMs).toISOString();
  beforeEach(() => {
    now = START;
  });

  /** A store on a database of its own. */
  const openStore = async (): Promise<IntegrationStore> => (await harness.database()).open(clock);

  const connect = (store: IntegrationStore, tenantId: string, status?: IntegrationStatus) =>
    connectIntegration(store, tenantId, now, status);

  const claimDue = (store: IntegrationStore, owner: string, limit = 10) =>
    store.claimDueHealthChecks({ owner, now: clock(), leaseMs: LEASE_MS, limit, statuses: MONITORED });

  function run(
    tenantId: string,
    owner: string,
    overrides: Partial<HealthRunInput['health']> = {},
  ): HealthRunInput {
    return {
      integrationId: `int-${tenantId}`,
      tenantId,
      owner,
      runId: `run-${now}`,
      checkedAt: iso(),
      results: [
        { check: 'token', status: 'ok', detail: { roles: ['full_access_as_app'] }, durationMs: 12 },
        {
          check: 'mailbox',
          status: 'fail',
          diagnostic: {
            kind: 'mailbox_not_found',
            code: 'ErrorNonExistentMailbox',
            message: 'No mailbox.',
            remediation: 'Assign one.',
          },
          durationMs: 30,
        },
      ],
      health: {
        state: 'healthy',
        since: iso(),
        consecutiveFailures: 1,
        failingSince: iso(),
        roomCursor: 3,
        lastRunAt: iso(),
        nextRunAt: iso(900_000),
        ...overrides,
      },
    };
  }

  function alert(tenantId: string, overrides: Partial<AlertInput> = {}): AlertInput {
    return {
      tenantId,
      integrationId: `int-${tenantId}`,
      kind: 'failing',
      severity: 'critical',
      title: 'Exchange connection failing: Mailbox access',
      summary: 'No mailbox.',
      failingCheck: 'mailbox',
      microsoftCode: 'ErrorNonExistentMailbox',
      remediation: 'Assign one.',
      since: iso(),
      ...overrides,
    };
  }

  describe('health leases', () => {
    it('claims monitored integrations once, with a baseline record, and never disconnected ones', async () => {
      const store = await openStore();
      await connect(store, TENANT_A, 'verified');
      await connect(store, TENANT_B, 'pending_consent');
      const claims = await claimDue(store, 'w1');
      expect(claims.map((c) => c.integration.id)).toEqual([`int-${TENANT_A}`]);
      expect(claims[0]?.health).toEqual({
        integrationId: `int-${TENANT_A}`,
        tenantId: TENANT_A,
        state: 'healthy',
        since: iso(-3600_000),
        consecutiveFailures: 0,
        roomCursor: 0,
        nextRunAt: iso(),
        leaseOwner: 'w1',
        leaseExpiresAt: iso(LEASE_MS),
      });
      expect(await claimDue(store, 'w2')).toEqual([]);
    });

    it('starts a failed integration as failing, so its first failures alert nobody', async () => {
      const store = await openStore();
      await connect(store, TENANT_A, 'failed');
      const [claim] = await claimDue(store, 'w1');
      expect(claim?.health).toMatchObject({ state: 'failing', failingSince: claim?.integration.updatedAt });
    });

    it('lets exactly one of two stores on one database take each due integration', async () => {
      const db = await harness.database({ shared: true });
      const first = await db.open(clock);
      const second = await db.open(clock);
      await connect(first, TENANT_A);
      await connect(first, TENANT_B);
      const [a, b] = await Promise.all([claimDue(first, 'w1', 1), claimDue(second, 'w2', 1)]);
      const ids = [...a, ...b].map((c) => c.integration.id).sort();
      expect(ids).toEqual([`int-${TENANT_A}`, `int-${TENANT_B}`]);
      expect(await claimDue(first, 'w1')).toEqual([]);
      expect(await claimDue(second, 'w2')).toEqual([]);
    });

    it('frees an expired lease for another worker, and then refuses the late result of the first', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      now += LEASE_MS;
      expect((await claimDue(store, 'w2')).map((c) => c.health.leaseOwner)).toEqual(['w2']);
      await expect(store.recordHealthRun(run(TENANT_A, 'w1'))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.listHealthResults(TENANT_A, { limit: 10 })).toEqual([]);
    });

    it('records a run: history, new record, lease released, not due again before nextRunAt', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      await store.recordHealthRun(run(TENANT_A, 'w1', { backoffUntil: iso(120_000) }));
      const health = await store.getIntegrationHealth(TENANT_A);
      expect(health).toEqual({
        integrationId: `int-${TENANT_A}`,
        tenantId: TENANT_A,
        state: 'healthy',
        since: iso(),
        consecutiveFailures: 1,
        failingSince: iso(),
        roomCursor: 3,
        lastRunAt: iso(),
        nextRunAt: iso(900_000),
        backoffUntil: iso(120_000),
      });
      const results = await store.listHealthResults(TENANT_A, { limit: 10 });
      expect(results.map((r) => [r.check, r.status])).toEqual(
        expect.arrayContaining([
          ['token', 'ok'],
          ['mailbox', 'fail'],
        ]),
      );
      expect(results.find((r) => r.check === 'mailbox')?.diagnostic?.code).toBe('ErrorNonExistentMailbox');
      expect(await store.listHealthResults(TENANT_B, { limit: 10 })).toEqual([]);

      now += 899_999;
      expect(await claimDue(store, 'w1')).toEqual([]);
      now += 1;
      expect(await claimDue(store, 'w1')).toHaveLength(1);
    });

    it('claims one tenant on demand whatever its due time, unless it is leased elsewhere', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      await store.recordHealthRun(run(TENANT_A, 'w1'));
      const options = { tenantId: TENANT_A, now: clock(), leaseMs: LEASE_MS, statuses: MONITORED };
      expect((await store.claimHealthCheck({ ...options, owner: 'w2' }))?.health.leaseOwner).toBe('w2');
      expect(await store.claimHealthCheck({ ...options, owner: 'w1' })).toBeUndefined();
      await store.releaseHealthLease(`int-${TENANT_A}`, TENANT_A, 'w2');
      expect(await store.claimHealthCheck({ ...options, owner: 'w1' })).toBeDefined();
      expect(await store.claimHealthCheck({ ...options, tenantId: TENANT_B, owner: 'w1' })).toBeUndefined();
    });

    it('prunes history older than the cut-off only', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      await store.recordHealthRun(run(TENANT_A, 'w1'));
      now += 1000;
      await store.claimHealthCheck({
        tenantId: TENANT_A,
        owner: 'w1',
        now: clock(),
        leaseMs: LEASE_MS,
        statuses: MONITORED,
      });
      await store.recordHealthRun(run(TENANT_A, 'w1'));
      expect(await store.pruneHealthResults(new Date(now))).toBe(2);
      expect(await store.listHealthResults(TENANT_A, { limit: 10 })).toHaveLength(2);
    });

    it('mutes and unmutes the tenant; a tenant without a health record reports false', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      expect(await store.setHealthMute(TENANT_A, iso(86_400_000))).toBe(false);
      await claimDue(store, 'w1');
      expect(await store.setHealthMute(TENANT_A, iso(86_400_000))).toBe(true);
      expect((await store.getIntegrationHealth(TENANT_A))?.mutedUntil).toBe(iso(86_400_000));
      expect(await store.setHealthMute(TENANT_B, iso(1))).toBe(false);
      await store.setHealthMute(TENANT_A, undefined);
      expect((await store.getIntegrationHealth(TENANT_A))?.mutedUntil).toBeUndefined();
    });
  });

  describe('alert outbox', () => {
    it('commits the alert with the run, or neither', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      await expect(
        store.transaction(async (tx) => {
          await tx.recordHealthRun(run(TENANT_A, 'w1'));
          await tx.addAlert(alert(TENANT_A));
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await store.listAlerts(TENANT_A, { limit: 10 })).toEqual([]);
      expect(await store.listHealthResults(TENANT_A, { limit: 10 })).toEqual([]);
      expect((await store.getIntegrationHealth(TENANT_A))?.leaseOwner).toBe('w1');
    });

    it("round-trips an alert and refuses one for another tenant's integration", async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await connect(store, TENANT_B);
      const saved = await store.addAlert(alert(TENANT_A));
      expect(saved).toEqual({ ...alert(TENANT_A), id: expect.any(String), createdAt: iso() });
      expect(await store.listAlerts(TENANT_A, { limit: 10 })).toEqual([saved]);
      expect(await store.listAlerts(TENANT_B, { limit: 10 })).toEqual([]);
      await expect(
        store.addAlert({ ...alert(TENANT_B), integrationId: `int-${TENANT_A}` }),
      ).rejects.toBeInstanceOf(StoreNotFoundError);
    });

    it('plans deliveries once per conversation, even when planned again after a restart', async () => {
      const db = await harness.database({ shared: true });
      const store = await db.open(clock);
      await connect(store, TENANT_A);
      const saved = await store.addAlert(alert(TENANT_A));
      expect((await store.listUnplannedAlerts({ limit: 10 })).map((a) => a.id)).toEqual([saved.id]);
      const planned = await store.planAlertDeliveries(saved.id, ['conv-1', 'conv-2', 'conv-1'], clock());
      expect(planned.map((d) => [d.conversationId, d.status, d.attempts])).toEqual([
        ['conv-1', 'pending', 0],
        ['conv-2', 'pending', 0],
      ]);
      await store.close();

      const restarted = await db.open(clock);
      expect(await restarted.listUnplannedAlerts({ limit: 10 })).toEqual([]);
      const again = await restarted.planAlertDeliveries(saved.id, ['conv-1', 'conv-2'], clock());
      expect(again).toEqual(planned);
      await expect(restarted.planAlertDeliveries('nope', ['conv-1'], clock())).rejects.toBeInstanceOf(
        StoreNotFoundError,
      );
    });

    it('leases each due delivery to one notifier, counts attempts, and honours the retry time', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await store.upsertTenant({ id: TENANT_A });
      const saved = await store.addAlert(alert(TENANT_A));
      await store.planAlertDeliveries(saved.id, ['conv-1', 'conv-2'], clock());
      const claim = (owner: string) =>
        store.claimAlertDeliveries({ owner, now: clock(), leaseMs: LEASE_MS, limit: 10 });
      const settleAsN1 = (conversationId: string, outcome: DeliveryOutcome) =>
        store.settleAlertDelivery({ alertId: saved.id, conversationId, owner: 'n1', outcome });

      const first = await claim('n1');
      expect(first.map((c) => [c.delivery.conversationId, c.delivery.attempts, c.alert.id])).toEqual([
        ['conv-1', 1, saved.id],
        ['conv-2', 1, saved.id],
      ]);
      expect(await claim('n2')).toEqual([]);

      const sent = await settleAsN1('conv-1', { status: 'sent', activityId: '1:activity' });
      expect(sent).toMatchObject({ status: 'sent', sentActivityId: '1:activity', attempts: 1 });
      expect(sent.leaseOwner).toBeUndefined();
      await settleAsN1('conv-2', { status: 'pending', nextAttemptAt: iso(5000), error: 'HTTP 429' });
      // Settled rows cannot be settled again, not even by their last owner.
      await expect(settleAsN1('conv-1', { status: 'sent', activityId: 'again' })).rejects.toBeInstanceOf(
        StoreConflictError,
      );

      expect(await claim('n2')).toEqual([]);
      now += 5000;
      const retry = await claim('n2');
      expect(
        retry.map((c) => [c.delivery.conversationId, c.delivery.attempts, c.delivery.lastError]),
      ).toEqual([['conv-2', 2, 'HTTP 429']]);
      await expect(settleAsN1('conv-2', { status: 'failed', error: 'gone' })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
    });

    it("hands a crashed notifier's deliveries to another once the lease expires, with the mute", async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await claimDue(store, 'w1');
      await store.setHealthMute(TENANT_A, iso(86_400_000));
      const saved = await store.addAlert(alert(TENANT_A));
      await store.planAlertDeliveries(saved.id, ['conv-1'], clock());
      await store.claimAlertDeliveries({ owner: 'n1', now: clock(), leaseMs: LEASE_MS, limit: 10 });
      now += LEASE_MS;
      const [taken] = await store.claimAlertDeliveries({
        owner: 'n2',
        now: clock(),
        leaseMs: LEASE_MS,
        limit: 10,
      });
      expect(taken).toMatchObject({
        delivery: { attempts: 2, leaseOwner: 'n2' },
        mutedUntil: iso(86_400_000 - LEASE_MS),
      });
      const suppressed = await store.settleAlertDelivery({
        alertId: saved.id,
        conversationId: 'conv-1',
        owner: 'n2',
        outcome: { status: 'suppressed' },
      });
      expect(suppressed.status).toBe('suppressed');
      expect(await store.listAlertDeliveries(TENANT_A, saved.id)).toEqual([suppressed]);
      expect(await store.listAlertDeliveries(TENANT_B, saved.id)).toEqual([]);
    });
  });

  describe('transactions under contention', () => {
    it('runs transactions that waited together one after another; a waiting write never lands in a rolled-back one', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = store.transaction(async (tx) => {
        await tx.addAlert(alert(TENANT_A, { title: 'first' }));
        await held;
      });
      const plain = store.addAlert(alert(TENANT_A, { title: 'plain' }));
      const second = store.transaction(async (tx) => {
        await tx.addAlert(alert(TENANT_A, { title: 'second' }));
        throw new Error('roll back second');
      });
      const third = store.transaction(async (tx) => {
        await tx.addAlert(alert(TENANT_A, { title: 'third' }));
      });
      release();
      await first;
      await plain;
      await expect(second).rejects.toThrow('roll back second');
      await third;
      const titles = (await store.listAlerts(TENANT_A, { limit: 10 })).map((a) => a.title).sort();
      expect(titles).toEqual(['first', 'plain', 'third']);
    });

    it('commits every one of several transactions started together (as parallel health runs do)', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      const runs = Array.from({ length: 4 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.getIntegration(TENANT_A);
          await tx.addAlert(alert(TENANT_A, { title: `run ${i}` }));
          return tx.getIntegration(TENANT_A);
        }),
      );
      const plain = Array.from({ length: 4 }, (_, i) =>
        store.addAlert(alert(TENANT_A, { title: `plain ${i}` })),
      );
      await Promise.all([...runs, ...plain]);
      expect(await store.listAlerts(TENANT_A, { limit: 20 })).toHaveLength(8);
    });
  });
}
