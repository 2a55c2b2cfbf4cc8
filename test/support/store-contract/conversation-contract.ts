/**
 * The store contract, part 3: the bot's conversation subscriptions (migration 3) — tenant-scoped,
 * durable, reinstallable — with a team's alert choice and the `check` rate limit, and the Global
 * Admins seen in the tab (migration 8). Run on SQLite by test/unit/bot-store-subscriptions.test.ts
 * and on PostgreSQL by test/integration/store-postgres.test.ts.
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
  describe('a team conversation’s alert choice', () => {
    const choice = (state: 'on' | 'off', chosenBy = 'admin-oid') =>
      ({ state, chosenBy, chosenAt: new Date(now).toISOString() }) as const;

    it('is absent until an admin chooses, then says who chose and when; another tenant cannot set it', async () => {
      await subscribe(A, '19:team');
      expect((await store.getConversationSubscription(A, '19:team'))?.channelAlerts).toBeUndefined();
      expect(await store.setChannelAlerts(B, '19:team', choice('on'))).toBe(false);
      expect((await store.getConversationSubscription(A, '19:team'))?.channelAlerts).toBeUndefined();

      expect(await store.setChannelAlerts(A, '19:team', choice('on'))).toBe(true);
      expect((await store.getConversationSubscription(A, '19:team'))?.channelAlerts).toEqual({
        state: 'on',
        chosenBy: 'admin-oid',
        chosenAt: new Date(now).toISOString(),
      });
      now += 60_000;
      await store.setChannelAlerts(A, '19:team', choice('off', 'other-admin'));
      expect((await store.getConversationSubscription(A, '19:team'))?.channelAlerts).toEqual({
        state: 'off',
        chosenBy: 'other-admin',
        chosenAt: new Date(now).toISOString(),
      });
    });

    it('survives a refresh of the subscription but not a removal: a reinstalled team starts with alerts off', async () => {
      await subscribe(A, '19:team');
      await store.setChannelAlerts(A, '19:team', choice('on'));
      await subscribe(A, '19:team');
      expect((await store.getConversationSubscription(A, '19:team'))?.channelAlerts?.state).toBe('on');

      await store.removeConversationSubscription(A, '19:team', new Date(now));
      expect(await store.setChannelAlerts(A, '19:team', choice('on'))).toBe(false);
      const again = await subscribe(A, '19:team');
      expect(again.channelAlerts).toBeUndefined();
    });

    it('is read whole or not at all: a row holding part of a choice is reported corrupt', async () => {
      const db = await harness.database({ shared: true });
      const shared = await db.open(() => new Date(now));
      await shared.saveConversationSubscription({
        conversationId: '19:team',
        tenantId: A,
        scope: 'team',
        reference: {},
        installedBy: 'oid-1',
      });
      await db.query(`UPDATE conversation_subscriptions SET channel_alerts = 'on'`);
      await expect(shared.getConversationSubscription(A, '19:team')).rejects.toMatchObject({
        code: 'store_corrupt_data',
      });
    });
  });

  describe('the check rate limit', () => {
    const WINDOW = 60_000;

    it('takes the slot once per window, says when the next one frees, and only for the own tenant', async () => {
      await subscribe(A, 'a:1');
      expect(await store.takeCheckSlot(B, 'a:1', new Date(now), WINDOW)).toEqual({ taken: false });
      expect(await store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW)).toEqual({ taken: true });
      expect((await store.getConversationSubscription(A, 'a:1'))?.lastCheckAt).toBe(
        new Date(now).toISOString(),
      );
      const first = now;
      now += 59_000;
      expect(await store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW)).toEqual({
        taken: false,
        nextCheckAt: new Date(first + WINDOW).toISOString(),
      });
      now = first + WINDOW;
      expect(await store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW)).toEqual({ taken: true });
      // Conversations are limited each on their own.
      await subscribe(A, 'a:2');
      expect(await store.takeCheckSlot(A, 'a:2', new Date(now), WINDOW)).toEqual({ taken: true });
    });

    it('gives the slot to exactly one of two requests at the same moment', async () => {
      await subscribe(A, 'a:1');
      const results = await Promise.all([
        store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW),
        store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW),
      ]);
      expect(results.filter((r) => r.taken)).toHaveLength(1);
    });

    it('refuses a removed conversation without a next time', async () => {
      await subscribe(A, 'a:1');
      await store.removeConversationSubscription(A, 'a:1', new Date(now));
      expect(await store.takeCheckSlot(A, 'a:1', new Date(now), WINDOW)).toEqual({ taken: false });
    });
  });

  describe('Global Admins seen in the tab', () => {
    const HOUR = 3600_000;
    const sight = (tenantId: string, userOid: string, upn = 'admin@contoso.com') =>
      store.recordAdminSighting({
        tenantId,
        userOid,
        upn,
        seenAt: new Date(now),
        refreshIfSeenBefore: new Date(now - HOUR),
      });

    it('records a sighting per tenant and user, and moves it forward at most once an hour', async () => {
      expect(await store.getAdminSighting(A, 'oid-1')).toBeUndefined();
      expect(await sight(A, 'oid-1')).toBe(true);
      const first = new Date(now).toISOString();
      expect(await store.getAdminSighting(A, 'oid-1')).toEqual({
        tenantId: A,
        userOid: 'oid-1',
        upn: 'admin@contoso.com',
        lastSeenAt: first,
      });
      expect(await store.getAdminSighting(B, 'oid-1')).toBeUndefined();

      now += HOUR - 1000;
      expect(await sight(A, 'oid-1', 'renamed@contoso.com')).toBe(false);
      expect((await store.getAdminSighting(A, 'oid-1'))?.lastSeenAt).toBe(first);

      now += 2000;
      expect(await sight(A, 'oid-1', 'renamed@contoso.com')).toBe(true);
      expect(await store.getAdminSighting(A, 'oid-1')).toMatchObject({
        upn: 'renamed@contoso.com',
        lastSeenAt: new Date(now).toISOString(),
      });

      // The same oid in another tenant is another row.
      expect(await sight(B, 'oid-1')).toBe(true);
      expect((await store.getAdminSighting(A, 'oid-1'))?.upn).toBe('renamed@contoso.com');
    });

    it('forgets one sighting (a user no longer Global Admin), in that tenant only', async () => {
      await sight(A, 'oid-1');
      await sight(B, 'oid-1');
      expect(await store.forgetAdminSighting(A, 'oid-1')).toBe(true);
      expect(await store.getAdminSighting(A, 'oid-1')).toBeUndefined();
      expect(await store.getAdminSighting(B, 'oid-1')).toBeDefined();
      expect(await store.forgetAdminSighting(A, 'oid-1')).toBe(false);
    });
  });
}
