/**
 * claimNextDeliveryPerConversation on PostgreSQL under contention: four notifiers on two pools claim,
 * settle (sent, or rescheduled like a 429) and claim again at once, and after every round the table
 * itself shows at most one leased pending delivery per conversation, while every delivery ends sent
 * once and each conversation's in plan order. (The store contract has the two-store basics.)
 */
import type { DeliveryOutcome } from '../../api/src/store/health-port';
import type { IntegrationStore } from '../../api/src/store/port';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import { connectIntegration } from '../support/integration-rows';
import { rawQuery, TestDatabases } from '../support/postgres';
import { START } from '../support/store-contract/harness';

const TENANT = 'aaaaaaaa-0000-0000-0000-00000000000a';
const LEASE_MS = 60_000;

const databases = new TestDatabases();
const stores: IntegrationStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await databases.dropAll();
});

it('never leases two deliveries of one conversation, and sends each once in plan order', async () => {
  let now = START;
  const clock = () => new Date(now);
  const url = await databases.create();
  const open = async () => {
    const store = await openPostgresStore({ connectionString: url, clock });
    stores.push(store);
    return store;
  };
  const [first, second] = [await open(), await open()];
  await connectIntegration(first, TENANT, now);
  const conversations = Array.from({ length: 10 }, (_, i) => `conv-${i}`);
  const alerts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const alert = await first.addAlert({
      tenantId: TENANT,
      integrationId: `int-${TENANT}`,
      kind: 'failing',
      severity: 'critical',
      title: `alert ${i}`,
      summary: 's',
      since: clock().toISOString(),
    });
    await first.planAlertDeliveries(alert.id, conversations, clock());
    alerts.push(alert.id);
  }

  const notifiers = [
    [first, 'n1'],
    [first, 'n2'],
    [second, 'n3'],
    [second, 'n4'],
  ] as const;
  const sent: string[] = [];
  let reschedules = 0;
  for (let round = 0; round < 200 && sent.length < 40; round++) {
    // All four claim at once; what they hold is checked before anyone settles.
    const claims = await Promise.all(
      notifiers.map(([store, owner]) =>
        store.claimNextDeliveryPerConversation({ owner, now: clock(), leaseMs: LEASE_MS, limit: 3 }),
      ),
    );
    const held = claims.flat().map((c) => c.delivery.conversationId);
    expect(new Set(held).size).toBe(held.length);
    const [row] = (await rawQuery(
      url,
      `SELECT coalesce(max(n), 0)::int AS most FROM (
         SELECT count(*) AS n FROM alert_deliveries
         WHERE status = 'pending' AND lease_expires_at > $1 GROUP BY conversation_id) leased`,
      [clock().toISOString()],
    )) as [{ most: number }];
    expect(row.most).toBeLessThanOrEqual(1);
    await Promise.all(
      notifiers.map(async ([store, owner], i) => {
        for (const { delivery } of claims[i]!) {
          // Every third first attempt is throttled: back in a second, holding its conversation back.
          const throttled = delivery.attempts === 1 && (sent.length + reschedules) % 3 === 0;
          const outcome: DeliveryOutcome = throttled
            ? { status: 'pending', nextAttemptAt: new Date(now + 1000).toISOString(), error: '429' }
            : { status: 'sent', activityId: `${owner}-${round}` };
          if (throttled) reschedules += 1;
          else sent.push(`${delivery.alertId}/${delivery.conversationId}`);
          await store.settleAlertDelivery({
            alertId: delivery.alertId,
            conversationId: delivery.conversationId,
            owner,
            outcome,
          });
        }
      }),
    );
    now += 500;
  }
  expect(reschedules).toBeGreaterThan(0);
  expect(sent).toHaveLength(40);
  expect(new Set(sent).size).toBe(40);
  for (const conversation of conversations) {
    expect(sent.filter((k) => k.endsWith(`/${conversation}`))).toEqual(
      alerts.map((a) => `${a}/${conversation}`),
    );
  }
});
