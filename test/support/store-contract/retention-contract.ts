/**
 * The store contract, part 4: retention. Old rows go, newer ones stay, and what the product still
 * reads stays whatever its age: each integration's newest trace, undelivered alerts, and the alert
 * an open incident's recovery will replace. Run on SQLite by test/unit/store-retention.test.ts and
 * on PostgreSQL by test/integration/store-postgres-retention.test.ts.
 */
import type { AlertInput } from '../../../api/src/store/health-port';
import type { IntegrationStore } from '../../../api/src/store/port';
import type { HealthAlert } from '../../../api/src/store/health-types';
import { connectIntegration } from '../integration-rows';
import { auditBy, TENANT_A, TENANT_B } from './core-contract';
import { cleanUpAfterEach, START, type StoreHarness } from './harness';

const DAY = 86_400_000;
/** The cut-off every test prunes at: 90 days before START. */
const CUT_OFF = new Date(START - 90 * DAY);
const ALL = { before: CUT_OFF, limit: 100 };

export function describeRetentionStoreContract(harness: StoreHarness): void {
  cleanUpAfterEach(harness);

  let now = START;
  const clock = () => new Date(now);
  /** Moves the store's clock to `days` before START (rows written now get that time). */
  const daysAgo = (days: number) => {
    now = START - days * DAY;
  };
  beforeEach(() => {
    now = START;
  });

  const openStore = async (): Promise<IntegrationStore> => (await harness.database()).open(clock);

  const trace = (integrationId: string, tenantId: string, days: number) => {
    const startedAt = new Date(START - days * DAY).toISOString();
    return {
      integrationId,
      tenantId,
      outcome: 'verified' as const,
      mailbox: `admin@${tenantId}`,
      startedAt,
      finishedAt: startedAt,
      steps: [],
    };
  };
  const startsOf = async (store: IntegrationStore, tenantId: string) =>
    (await store.listTraces(tenantId, { limit: 100 })).map((t) => (START - Date.parse(t.startedAt)) / DAY);

  describe('verification traces', () => {
    it("deletes traces older than the cut-off, keeps newer ones, and keeps each integration's newest however old", async () => {
      const store = await openStore();
      const first = await connectIntegration(store, TENANT_A, now);
      for (const days of [300, 250]) await store.addTrace(trace(first.id, TENANT_A, days));
      const { createdAt: _c, updatedAt: _u, version, ...rest } = first;
      await store.saveIntegration({ ...rest, status: 'disconnected' }, { expectedVersion: version });
      const second = await store.saveIntegration(
        { id: 'int-a-2', tenantId: TENANT_A, method: 'modern', status: 'verified' },
        { expectedVersion: 0 },
      );
      for (const days of [100, 95, 10]) await store.addTrace(trace(second.id, TENANT_A, days));
      const b = await connectIntegration(store, TENANT_B, now);
      await store.addTrace(trace(b.id, TENANT_B, 200));

      expect(await store.pruneTraces(ALL)).toBe(3);
      expect(await startsOf(store, TENANT_A)).toEqual([10, 250]);
      expect(await startsOf(store, TENANT_B)).toEqual([200]);
      expect((await store.latestTrace(TENANT_A))?.integrationId).toBe(second.id);
      expect(await store.pruneTraces(ALL)).toBe(0);
    });

    it('deletes at most `limit` per call, oldest first', async () => {
      const store = await openStore();
      const a = await connectIntegration(store, TENANT_A, now);
      for (const days of [91, 120, 100, 5]) await store.addTrace(trace(a.id, TENANT_A, days));
      expect(await store.pruneTraces({ before: CUT_OFF, limit: 2 })).toBe(2);
      expect(await startsOf(store, TENANT_A)).toEqual([5, 91]);
      expect(await store.pruneTraces({ before: CUT_OFF, limit: 2 })).toBe(1);
      expect(await store.pruneTraces({ before: CUT_OFF, limit: 2 })).toBe(0);
      expect(await startsOf(store, TENANT_A)).toEqual([5]);
    });

    it('refuses a limit out of range', async () => {
      const store = await openStore();
      await expect(store.pruneTraces({ before: CUT_OFF, limit: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.pruneAudit({ before: CUT_OFF, limit: 10_001 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.pruneDeliveredAlerts({ before: new Date(NaN), limit: 1 })).rejects.toBeInstanceOf(
        RangeError,
      );
    });
  });

  describe('audit log', () => {
    it('deletes rows written before the cut-off in every tenant, in batches, and keeps newer ones', async () => {
      const store = await openStore();
      for (const [tenantId, days] of [
        [TENANT_A, 400],
        [TENANT_B, 366],
        [TENANT_A, 91],
        [TENANT_A, 89],
        [TENANT_B, 1],
      ] as const) {
        daysAgo(days);
        await store.appendAudit(auditBy(tenantId, `action-${days}`));
      }
      expect(await store.pruneAudit({ before: CUT_OFF, limit: 2 })).toBe(2);
      expect(await store.pruneAudit({ before: CUT_OFF, limit: 2 })).toBe(1);
      expect(await store.pruneAudit({ before: CUT_OFF, limit: 2 })).toBe(0);
      const left = async (tenantId: string) =>
        (await store.listAudit(tenantId, { limit: 10 })).map((e) => e.action);
      expect(await left(TENANT_A)).toEqual(['action-89']);
      expect(await left(TENANT_B)).toEqual(['action-1']);
    });
  });

  describe('alerts', () => {
    const OWNER = 'notifier-1';

    function alert(tenantId: string, kind: AlertInput['kind']): AlertInput {
      return {
        tenantId,
        integrationId: `int-${tenantId}`,
        kind,
        severity: kind === 'failing' ? 'critical' : kind === 'recovered' ? 'info' : 'warning',
        title: `Exchange connection ${kind}`,
        summary: kind,
        since: clock().toISOString(),
      };
    }

    /** An alert created `days` ago, fanned out to `conversations` (none: planned with nobody to tell). */
    async function addAlert(
      store: IntegrationStore,
      tenantId: string,
      kind: AlertInput['kind'],
      days: number,
      conversations: string[] = [],
    ): Promise<HealthAlert> {
      daysAgo(days);
      const saved = await store.addAlert(alert(tenantId, kind));
      await store.planAlertDeliveries(saved.id, conversations, clock());
      return saved;
    }

    /** Sends every due delivery (as the notifier would). */
    async function deliverAll(store: IntegrationStore): Promise<void> {
      const claimed = await store.claimAlertDeliveries({
        owner: OWNER,
        now: clock(),
        leaseMs: 60_000,
        limit: 100,
      });
      for (const { delivery } of claimed) {
        await store.settleAlertDelivery({
          alertId: delivery.alertId,
          conversationId: delivery.conversationId,
          owner: OWNER,
          outcome: { status: 'sent', activityId: `activity-${delivery.alertId}` },
        });
      }
    }

    const kindsLeft = async (store: IntegrationStore, tenantId: string) =>
      (await store.listAlerts(tenantId, { limit: 100 })).map((a) => a.kind).reverse();

    it('deletes old delivered alerts with their deliveries; keeps newer, unplanned and still-pending ones', async () => {
      const store = await openStore();
      await connectIntegration(store, TENANT_A, now);
      const failing = await addAlert(store, TENANT_A, 'failing', 120, ['conv-1']);
      await deliverAll(store);
      await addAlert(store, TENANT_A, 'recovered', 110, ['conv-1']);
      await deliverAll(store);
      await addAlert(store, TENANT_A, 'certificate_expiring', 100);
      daysAgo(95);
      await store.addAlert(alert(TENANT_A, 'ews_retiring'));
      await addAlert(store, TENANT_A, 'certificate_expiring', 10, ['conv-1']);
      await deliverAll(store);
      await addAlert(store, TENANT_A, 'certificate_expiring', 93, ['conv-1']);
      now = START;

      expect(await store.pruneDeliveredAlerts({ before: CUT_OFF, limit: 2 })).toBe(2);
      expect(await kindsLeft(store, TENANT_A)).toEqual([
        'certificate_expiring',
        'ews_retiring',
        'certificate_expiring',
        'certificate_expiring',
      ]);
      expect(await store.listAlertDeliveries(TENANT_A, failing.id)).toEqual([]);
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(1);
      const left = await store.listAlerts(TENANT_A, { limit: 100 });
      expect(left.map((a) => [a.kind, (START - Date.parse(a.createdAt)) / DAY])).toEqual([
        ['certificate_expiring', 10],
        ['certificate_expiring', 93],
        ['ews_retiring', 95],
      ]);
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(0);
    });

    it('keeps an open incident’s alert however old, until a delivered recovery or a disconnect ends it', async () => {
      const store = await openStore();
      await connectIntegration(store, TENANT_A, now);
      const b = await connectIntegration(store, TENANT_B, now);
      const failing = await addAlert(store, TENANT_A, 'failing', 120, ['conv-1']);
      await deliverAll(store);
      await addAlert(store, TENANT_B, 'degraded', 100);
      now = START;
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(0);

      // The recovery is on its way: it will look the incident up to replace its card.
      await addAlert(store, TENANT_A, 'recovered', 1, ['conv-1']);
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(0);
      expect(await store.listAlertDeliveries(TENANT_A, failing.id)).toHaveLength(1);
      await deliverAll(store);
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(1);
      expect(await kindsLeft(store, TENANT_A)).toEqual(['recovered']);

      // A disconnected integration has no incident left to close.
      const { createdAt: _c, updatedAt: _u, version, ...rest } = b;
      await store.saveIntegration({ ...rest, status: 'disconnected' }, { expectedVersion: version });
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(1);
      expect(await kindsLeft(store, TENANT_B)).toEqual([]);
    });

    it('lets an older alert of an open incident go once a newer one carries the incident', async () => {
      const store = await openStore();
      await connectIntegration(store, TENANT_A, now);
      await connectIntegration(store, TENANT_B, now);
      await addAlert(store, TENANT_A, 'degraded', 120);
      await addAlert(store, TENANT_A, 'failing', 100);
      await addAlert(store, TENANT_B, 'failing', 130);
      now = START;
      expect(await store.pruneDeliveredAlerts(ALL)).toBe(1);
      expect(await kindsLeft(store, TENANT_A)).toEqual(['failing']);
      expect(await kindsLeft(store, TENANT_B)).toEqual(['failing']);
    });
  });
}
