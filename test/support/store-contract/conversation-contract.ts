/**
 * The store contract, part 3: the bot's conversation subscriptions (migration 3) — tenant-scoped,
 * durable, reinstallable. Run on SQLite by test/unit/bot-store-subscriptions.test.ts and on
 * PostgreSQL by test/integration/store-postgres.test.ts.
 */
import { StoreConflictError } from '../../../api/src/store/errors';
import type { IntegrationStore } from '../../../api/src/store/port';
import { cleanUpAfterEach, type StoreHarness } from './harness';

const A = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const B = '69e46513-af5b-44b0-8c4f-7a95a633f186';

export function describeConversationStoreContract(harness: StoreHarness): void {
  cleanUpAfterEach(harness);
  let store: IntegrationStore;
  let now = Date.parse('2026-11-28T12:00:00.000Z');
  beforeEach(async () => {
    store = await (await harness.database()).open(() => new Date(now));
  });

  const subscribe = (tenantId: string, conversationId: string) =>
    store.saveConversationSubscription({
      conversationId,
      tenantId,
      scope: 'personal',
      reference: {
        conversation: { id: conversationId },
        serviceUrl: 'https://smba.trafficmanager.net/teams/',
      },
      installedBy: 'oid-1',
    });

  it('never lets another tenant read, take over, mute or remove a conversation', async () => {
    await subscribe(A, 'a:1');
    await expect(subscribe(B, 'a:1')).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.getConversationSubscription(B, 'a:1')).toBeUndefined();
    expect(await store.listConversationSubscriptions(B)).toEqual([]);
    expect(await store.setConversationMute(B, 'a:1', '2026-11-29T12:00:00.000Z')).toBe(false);
    expect(await store.removeConversationSubscription(B, 'a:1', new Date(now))).toBe(false);
    expect(await store.getConversationSubscription(A, 'a:1')).toMatchObject({ tenantId: A });
  });

  it('lists active subscriptions only; a reinstall reactivates and keeps the mute', async () => {
    await subscribe(A, 'a:1');
    now += 1000;
    await subscribe(A, 'a:2');
    await store.setConversationMute(A, 'a:1', '2026-11-29T12:00:00.000Z');
    expect(await store.removeConversationSubscription(A, 'a:1', new Date(now))).toBe(true);
    expect((await store.listConversationSubscriptions(A)).map((s) => s.conversationId)).toEqual(['a:2']);
    expect(await store.getConversationSubscription(A, 'a:1')).toMatchObject({
      removedAt: new Date(now).toISOString(),
    });
    // A removed conversation cannot be muted.
    expect(await store.setConversationMute(A, 'a:1', undefined)).toBe(false);

    const again = await subscribe(A, 'a:1');
    expect(again.removedAt).toBeUndefined();
    expect(again.mutedUntil).toBe('2026-11-29T12:00:00.000Z');
    expect(again.createdAt).toBe('2026-11-28T12:00:00.000Z');
    expect((await store.listConversationSubscriptions(A)).map((s) => s.conversationId)).toEqual([
      'a:1',
      'a:2',
    ]);
  });

  it('commits or rolls back with the store transaction', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.saveConversationSubscription({
          conversationId: 'a:9',
          tenantId: A,
          scope: 'team',
          reference: {},
          installedBy: 'x',
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.getConversationSubscription(A, 'a:9')).toBeUndefined();
  });
}
