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

  describe('next delivery per conversation', () => {
    const claimNext = (store: IntegrationStore, owner: string, limit = 10, skipTenants?: string[]) =>
      store.claimNextDeliveryPerConversation({
        owner,
        now: clock(),
        leaseMs: LEASE_MS,
        limit,
        ...(skipTenants ? { skipTenants } : {}),
      });
    const keys = (claims: { delivery: { alertId: string; conversationId: string } }[]) =>
      claims.map((c) => `${c.delivery.alertId}/${c.delivery.conversationId}`);
    const settle = (store: IntegrationStore, owner: string, key: string, outcome: DeliveryOutcome) => {
      const [alertId, conversationId] = key.split('/') as [string, string];
      return store.settleAlertDelivery({ alertId, conversationId, owner, outcome });
    };
    const sent: DeliveryOutcome = { status: 'sent', activityId: 'activity' };
    /** Alerts raised (and planned) one after another for the tenant, same instant: plan order decides. */
    const planned = async (store: IntegrationStore, tenantId: string, conversations: string[][]) => {
      const ids: string[] = [];
      for (const [i, list] of conversations.entries()) {
        const saved = await store.addAlert(alert(tenantId, { title: `alert ${i + 1}` }));
        await store.planAlertDeliveries(saved.id, list, clock());
        ids.push(saved.id);
      }
      return ids;
    };

    it("leases each conversation's oldest pending delivery, and the next one only once that is settled", async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      const [a1, a2] = await planned(store, TENANT_A, [
        ['conv-1', 'conv-2'],
        ['conv-1', 'conv-2', 'conv-3'],
      ]);
      const first = await claimNext(store, 'n1');
      expect(keys(first)).toEqual([`${a1}/conv-1`, `${a1}/conv-2`, `${a2}/conv-3`]);
      expect(first.map((c) => [c.delivery.attempts, c.delivery.leaseOwner, c.alert.id])).toEqual([
        [1, 'n1', a1],
        [1, 'n1', a1],
        [1, 'n1', a2],
      ]);
      // Every conversation has a delivery leased: nothing for anyone else.
      expect(await claimNext(store, 'n2')).toEqual([]);
      await settle(store, 'n1', `${a1}/conv-1`, sent);
      expect(keys(await claimNext(store, 'n2'))).toEqual([`${a2}/conv-1`]);
      await settle(store, 'n1', `${a1}/conv-2`, { status: 'failed', error: 'gone' });
      expect(keys(await claimNext(store, 'n2', 1))).toEqual([`${a2}/conv-2`]);
    });

    it('holds back the rest of a conversation behind a rescheduled delivery, and only that conversation', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      const [a1, a2] = await planned(store, TENANT_A, [
        ['conv-1', 'conv-2'],
        ['conv-1', 'conv-2'],
      ]);
      expect(keys(await claimNext(store, 'n1'))).toEqual([`${a1}/conv-1`, `${a1}/conv-2`]);
      await settle(store, 'n1', `${a1}/conv-1`, {
        status: 'pending',
        nextAttemptAt: iso(30_000),
        error: '429 Throttled',
      });
      await settle(store, 'n1', `${a1}/conv-2`, sent);
      expect(keys(await claimNext(store, 'n1'))).toEqual([`${a2}/conv-2`]);
      now += 30_000;
      const [retry] = await claimNext(store, 'n1');
      expect(retry?.delivery).toMatchObject({ alertId: a1, conversationId: 'conv-1', attempts: 2 });
      await settle(store, 'n1', `${a1}/conv-1`, sent);
      expect(keys(await claimNext(store, 'n1'))).toEqual([`${a2}/conv-1`]);
    });

    it('counts leases taken by claimAlertDeliveries, and frees a conversation once its lease expires', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      const [a1] = await planned(store, TENANT_A, [['conv-1'], ['conv-1']]);
      expect(
        await store.claimAlertDeliveries({ owner: 'crashed', now: clock(), leaseMs: LEASE_MS, limit: 10 }),
      ).toHaveLength(2);
      expect(await claimNext(store, 'n2')).toEqual([]);
      now += LEASE_MS;
      const [taken, ...rest] = await claimNext(store, 'n2');
      expect(rest).toEqual([]);
      expect(taken?.delivery).toMatchObject({ alertId: a1, leaseOwner: 'n2', attempts: 2 });
    });

    it('leaves the tenants it is told to skip for a later claim', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await connect(store, TENANT_B);
      const [a] = await planned(store, TENANT_A, [['conv-a']]);
      const [b] = await planned(store, TENANT_B, [['conv-b']]);
      expect(keys(await claimNext(store, 'n1', 10, [TENANT_A]))).toEqual([`${b}/conv-b`]);
      expect(keys(await claimNext(store, 'n1', 10, []))).toEqual([`${a}/conv-a`]);
    });

    it('lets two stores on one database claim at once without ever holding two deliveries of a conversation', async () => {
      const db = await harness.database({ shared: true });
      const first = await db.open(clock);
      const second = await db.open(clock);
      await connect(first, TENANT_A);
      const conversations = Array.from({ length: 8 }, (_, i) => `conv-${i}`);
      const alerts = await planned(first, TENANT_A, [conversations, conversations, conversations]);
      const claimedInOrder: string[] = [];
      for (let round = 0; round < 30 && claimedInOrder.length < 24; round++) {
        const claims = await Promise.all([claimNext(first, 'n1', 3), claimNext(second, 'n2', 3)]);
        const held = claims.flat().map((c) => c.delivery.conversationId);
        expect(new Set(held).size).toBe(held.length);
        for (const [i, store] of [first, second].entries()) {
          for (const key of keys(claims[i]!)) {
            claimedInOrder.push(key);
            await settle(store, i === 0 ? 'n1' : 'n2', key, sent);
          }
        }
      }
      expect(new Set(claimedInOrder).size).toBe(24);
      expect(claimedInOrder).toHaveLength(24);
      for (const conversation of conversations) {
        expect(claimedInOrder.filter((k) => k.endsWith(`/${conversation}`))).toEqual(
          alerts.map((a) => `${a}/${conversation}`),
        );
      }
    });
  });

  describe('recovery lookups', () => {
    it('finds the activity id of a sent delivery, and nothing for any other', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      const saved = await store.addAlert(alert(TENANT_A));
      await store.planAlertDeliveries(saved.id, ['conv-1', 'conv-2', 'conv-3'], clock());
      await store.claimNextDeliveryPerConversation({
        owner: 'n1',
        now: clock(),
        leaseMs: LEASE_MS,
        limit: 2,
      });
      const settle = (conversationId: string, outcome: DeliveryOutcome) =>
        store.settleAlertDelivery({ alertId: saved.id, conversationId, owner: 'n1', outcome });
      await settle('conv-1', { status: 'sent', activityId: '1:card' });
      await settle('conv-2', { status: 'failed', error: 'gone' });
      expect(await store.sentActivityOf(TENANT_A, saved.id, 'conv-1')).toBe('1:card');
      expect(await store.sentActivityOf(TENANT_A, saved.id, 'conv-2')).toBeUndefined();
      expect(await store.sentActivityOf(TENANT_A, saved.id, 'conv-3')).toBeUndefined();
      expect(await store.sentActivityOf(TENANT_B, saved.id, 'conv-1')).toBeUndefined();
      expect(await store.sentActivityOf(TENANT_A, 'nope', 'conv-1')).toBeUndefined();
    });

    it('finds the incident a recovery closes: the newest failing or degraded alert before it, unless a recovery came between', async () => {
      const store = await openStore();
      await connect(store, TENANT_A);
      await connect(store, TENANT_B);
      // All at one instant: the order they were raised in decides.
      const raise = (tenantId: string, kind: AlertInput['kind'], title: string) =>
        store.addAlert(alert(tenantId, { kind, title }));
      await raise(TENANT_A, 'failing', 'f1');
      const d1 = await raise(TENANT_A, 'degraded', 'd1');
      await raise(TENANT_A, 'certificate_expiring', 'c1');
      await raise(TENANT_B, 'failing', 'other tenant');
      const r1 = await raise(TENANT_A, 'recovered', 'r1');
      const r2 = await raise(TENANT_A, 'recovered', 'r2');
      const f2 = await raise(TENANT_A, 'failing', 'f2');
      const r3 = await raise(TENANT_A, 'recovered', 'r3');
      await raise(TENANT_A, 'failing', 'after r3');
      const rb = await raise(TENANT_B, 'recovered', 'rb');

      expect((await store.incidentClosedBy(TENANT_A, r1.id))?.id).toBe(d1.id);
      expect(await store.incidentClosedBy(TENANT_A, r2.id)).toBeUndefined();
      expect(await store.incidentClosedBy(TENANT_A, r3.id)).toEqual(f2);
      expect((await store.incidentClosedBy(TENANT_B, rb.id))?.title).toBe('other tenant');
      expect(await store.incidentClosedBy(TENANT_B, r3.id)).toBeUndefined();
      expect(await store.incidentClosedBy(TENANT_A, 'nope')).toBeUndefined();
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
