/**
 * The notifier's scheduling rules with a fake AlertSender port (no sockets) and an in-memory
 * store: back-off honours Retry-After with jitter, gives up after maxAttempts, client-side rate
 * limits pace the sends on the injected clock, and a send never starts on a nearly-expired lease.
 */
import { createLogger } from '../../api/src/logger';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import type { AdaptiveCard } from '../../bot/src/cards/card';
import { AlertNotifier, type NotifierOptions } from '../../bot/src/notifier';
import { DeliveryError, type AlertSender } from '../../bot/src/proactive-sender';
import { TeamsRateLimiter } from '../../bot/src/rate-limiter';

const TENANT = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const START = Date.parse('2026-11-28T12:00:00.000Z');

class FakeSender implements AlertSender {
  sent: { conversationId: string; atMs: number }[] = [];
  failures: DeliveryError[] = [];
  constructor(private readonly now: () => number) {}
  async send(reference: { conversation?: { id: string } }, _card: AdaptiveCard): Promise<string> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ conversationId: reference.conversation!.id, atMs: this.now() });
    return `act-${this.sent.length}`;
  }
  async update(): Promise<void> {}
}

describe('AlertNotifier scheduling (fake sender, injected clock)', () => {
  let store: IntegrationStore;
  let nowMs: number;
  let sender: FakeSender;
  const clock = () => new Date(nowMs);
  const sleeps: number[] = [];
  const notifier = (options: Partial<NotifierOptions> = {}, random = () => 0.5): AlertNotifier =>
    new AlertNotifier({
      store,
      sender,
      tab: { teamsAppId: 'app', entityId: 'tab' },
      log: createLogger({ level: 'silent' }),
      clock,
      random,
      sleep: async (ms) => {
        sleeps.push(ms);
        nowMs += ms;
      },
      options,
    });

  beforeEach(async () => {
    nowMs = START;
    sleeps.length = 0;
    store = openSqliteStore({ file: ':memory:', clock });
    sender = new FakeSender(() => nowMs);
    await store.upsertTenant({ id: TENANT });
    await store.saveIntegration(
      { id: 'i-1', tenantId: TENANT, method: 'modern', status: 'verified' },
      { expectedVersion: 0 },
    );
  });
  afterEach(() => store.close());

  const subscribe = (conversationId: string) =>
    store.saveConversationSubscription({
      conversationId,
      tenantId: TENANT,
      scope: 'personal',
      reference: { conversation: { id: conversationId }, serviceUrl: 'https://smba.example/teams/' },
      installedBy: 'u',
    });
  const raise = () =>
    store.addAlert({
      tenantId: TENANT,
      integrationId: 'i-1',
      kind: 'failing',
      severity: 'critical',
      title: 'failing',
      summary: 's',
      since: new Date(nowMs).toISOString(),
    });

  it('a 429 with Retry-After reschedules no sooner than Retry-After, jittered up to 25 %', async () => {
    await subscribe('a:1');
    const alert = await raise();
    sender.failures.push(new DeliveryError('retryable', 'Too many requests.', 429, 'Throttled', 30_000));
    const n = notifier({}, () => 1);
    expect(await n.drainOnce()).toMatchObject({ rescheduled: 1, sent: 0 });
    const [delivery] = await store.listAlertDeliveries(TENANT, alert.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(delivery!.nextAttemptAt) - nowMs).toBe(37_500);
    expect(delivery!.lastError).toContain('429 Throttled');

    nowMs += 37_499;
    expect(await n.drainOnce()).toMatchObject({ sent: 0 });
    nowMs += 1;
    expect(await n.drainOnce()).toMatchObject({ sent: 1 });
    expect((await store.listAlertDeliveries(TENANT, alert.id))[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
      sentActivityId: 'act-1',
    });
  });

  it('without Retry-After the back-off grows exponentially; after maxAttempts the delivery fails', async () => {
    const n = notifier({ baseBackoffMs: 1000, maxAttempts: 3 }, () => 0);
    expect([1, 2, 3, 4].map((attempts) => n.backoffMs(attempts))).toEqual([1000, 2000, 4000, 8000]);
    expect(n.backoffMs(1, 5000)).toBe(5000);
    expect(n.backoffMs(30)).toBe(300_000);

    await subscribe('a:1');
    const alert = await raise();
    for (let i = 0; i < 3; i++) sender.failures.push(new DeliveryError('retryable', 'Bad gateway', 502));
    for (let i = 0; i < 3; i++) {
      await n.drainOnce();
      nowMs += 60_000;
    }
    expect((await store.listAlertDeliveries(TENANT, alert.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
    });
    expect(sender.sent).toHaveLength(0);
  });

  it('paces a burst to one conversation at 7 per second and 8 per 2 seconds (sleeping on the injected clock)', async () => {
    await subscribe('a:1');
    for (let i = 0; i < 10; i++) await raise();
    expect(await notifier().drainOnce()).toMatchObject({ sent: 10 });
    const times = sender.sent.map((s) => s.atMs - START);
    for (const t of times) {
      expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(7);
      expect(times.filter((u) => u > t - 2000 && u <= t).length).toBeLessThanOrEqual(8);
    }
    expect(sleeps.length).toBeGreaterThan(0);
  });

  it('a wait longer than maxInlineWaitMs reschedules the delivery instead of sleeping', async () => {
    await subscribe('a:1');
    for (let i = 0; i < 61; i++) await raise();
    const report = await notifier({ maxInlineWaitMs: 1000 }).drainOnce();
    expect(report.sent).toBe(60);
    expect(report.rescheduled).toBe(1);
  });

  it('never starts a send on a lease with less than sendBudgetMs left: it gives the lease back first', async () => {
    await subscribe('a:1');
    const alert = await raise();
    // The conversation's 1 s window is full, so the send must wait; the wait overruns (a stalled
    // event loop) and leaves less lease than a send may take.
    const limiter = new TeamsRateLimiter();
    for (let i = 0; i < 7; i++) limiter.tryAcquire(TENANT, 'a:1', nowMs);
    const n = new AlertNotifier({
      store,
      sender,
      tab: { teamsAppId: 'app', entityId: 'tab' },
      log: createLogger({ level: 'silent' }),
      clock,
      limiter,
      sleep: async (ms) => {
        nowMs += ms + 6_000;
      },
      options: { leaseMs: 10_000, sendBudgetMs: 5_000 },
    });
    expect(await n.drainOnce()).toMatchObject({ released: 1, sent: 1 });
    // Claimed twice: the first lease was given back unsent, the second one sent.
    expect((await store.listAlertDeliveries(TENANT, alert.id))[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
    expect(sender.sent).toHaveLength(1);
  });

  it('a mute of the tenant (health record) or of the conversation suppresses', async () => {
    await subscribe('a:1');
    await subscribe('a:2');
    await store.setConversationMute(TENANT, 'a:2', new Date(nowMs + 3600_000).toISOString());
    const alert = await raise();
    expect(await notifier().drainOnce()).toMatchObject({ sent: 1, suppressed: 1 });
    expect(
      (await store.listAlertDeliveries(TENANT, alert.id)).map((d) => [d.conversationId, d.status]),
    ).toEqual([
      ['a:1', 'sent'],
      ['a:2', 'suppressed'],
    ]);

    // The tenant-wide mute the health record carries silences every conversation.
    await store.claimDueHealthChecks({
      owner: 'h',
      now: clock(),
      leaseMs: 1000,
      limit: 1,
      statuses: ['verified'],
    });
    await store.releaseHealthLease('i-1', TENANT, 'h');
    expect(await store.setHealthMute(TENANT, new Date(nowMs + 3600_000).toISOString())).toBe(true);
    await raise();
    expect(await notifier().drainOnce()).toMatchObject({ sent: 0, suppressed: 2 });
  });

  it('sends a recovery only where its incident was told: not to a conversation muted then, nor to one added since', async () => {
    await subscribe('a:1');
    await subscribe('a:2');
    // a:2 is muted while the failure is announced.
    await store.setConversationMute(TENANT, 'a:2', new Date(nowMs + 60_000).toISOString());
    await raise();
    expect(await notifier().drainOnce()).toMatchObject({ sent: 1, suppressed: 1 });

    nowMs += 120_000;
    await subscribe('a:3');
    const recovery = await store.addAlert({
      tenantId: TENANT,
      integrationId: 'i-1',
      kind: 'recovered',
      severity: 'info',
      title: 'recovered',
      summary: 's',
      since: new Date(nowMs).toISOString(),
    });
    expect(await notifier().drainOnce()).toMatchObject({ sent: 1, suppressed: 2 });
    expect(
      (await store.listAlertDeliveries(TENANT, recovery.id)).map((d) => [d.conversationId, d.status]),
    ).toEqual([
      ['a:1', 'sent'],
      ['a:2', 'suppressed'],
      ['a:3', 'suppressed'],
    ]);
  });
});
