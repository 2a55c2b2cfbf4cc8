/**
 * The notifier's concurrency model with a fake AlertSender port whose sends the test holds and
 * releases, a virtual clock whose sleeps end only when the test moves time, and SQLite stores:
 * deliveries to different conversations overlap up to `concurrency`; one conversation's go one at
 * a time and in plan order; a 429 or a full rate limit holds back only its conversation or tenant;
 * stop() finishes what is in flight and gives back the rest; two notifiers on one database deliver
 * each (alert, conversation) once; a recovery reads only what it needs. Order-based, never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../api/src/logger';
import type { AlertInput } from '../../api/src/store/health-port';
import type { HealthAlert } from '../../api/src/store/health-types';
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { AdaptiveCard } from '../../bot/src/cards/card';
import { AlertNotifier, type NotifierDeps, type NotifierOptions } from '../../bot/src/notifier';
import { DeliveryError, type AlertSender } from '../../bot/src/proactive-sender';
import { TeamsRateLimiter } from '../../bot/src/rate-limiter';

const TENANT_A = 'aaaaaaaa-0000-0000-0000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-0000-0000-00000000000b';
const START = Date.parse('2026-11-28T12:00:00.000Z');
const log = createLogger({ level: 'silent' });

/** Lets every promise chain run that waits for nothing but other promises (the stores are synchronous). */
async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Time that moves only when the test says; sleeps end when it reaches them. */
class VirtualTime {
  nowMs = START;
  private timers: { at: number; wake: () => void }[] = [];
  clock = (): Date => new Date(this.nowMs);
  sleep = (ms: number): Promise<void> =>
    new Promise<void>((wake) => this.timers.push({ at: this.nowMs + ms, wake }));

  /** Moves time on by `ms`, wakes the sleeps that are due, and lets them run. */
  async advance(ms: number): Promise<void> {
    this.nowMs += ms;
    const due = this.timers.filter((t) => t.at <= this.nowMs);
    this.timers = this.timers.filter((t) => t.at > this.nowMs);
    for (const timer of due) timer.wake();
    await idle();
  }

  /** Moves time to the next sleep's end. */
  async advanceToNext(): Promise<void> {
    const next = Math.min(...this.timers.map((t) => t.at));
    if (Number.isFinite(next)) await this.advance(Math.max(0, next - this.nowMs));
  }

  /**
   * Runs `work` to its end, moving time to the next sleep whenever everything else waits;
   * `whenIdle` runs first each time (releasing held sends).
   */
  async run<T>(work: Promise<T>, whenIdle: () => Promise<void> = idle): Promise<T> {
    let done = false;
    const result = work.finally(() => (done = true));
    for (let step = 0; step < 10_000; step++) {
      await whenIdle();
      await idle();
      if (done) return result;
      // Nothing sleeps: the work moves by `whenIdle` alone (the step limit ends a real hang).
      if (this.timers.length === 0) continue;
      const next = Math.min(...this.timers.map((t) => t.at));
      await this.advance(Math.max(0, next - this.nowMs));
    }
    throw new Error('the work did not finish');
  }
}

interface Send {
  conversationId: string;
  title: string;
  atMs: number;
}
interface Shared {
  inFlight: Send[];
  sent: Send[];
}

/**
 * Records every send; with `hold`, each waits until the test releases it. `failNext` makes the
 * next send to a conversation fail. `shared` is what two senders (two notifiers) see together: the
 * sends in flight and every send, in the order they completed.
 */
class FakeSender implements AlertSender {
  readonly sent: Send[] = [];
  readonly updates: { conversationId: string; activityId: string }[] = [];
  readonly inFlight: Send[] = [];
  maxInFlight = 0;
  overlapsInAConversation = 0;
  hold = false;
  private readonly held: (() => void)[] = [];
  readonly failNext = new Map<string, DeliveryError>();

  constructor(
    private readonly time: VirtualTime,
    private readonly shared: Shared = { inFlight: [], sent: [] },
  ) {}

  async send(reference: { conversation?: { id: string } }, card: AdaptiveCard): Promise<string> {
    const conversationId = reference.conversation!.id;
    const title = /alert-\d+/.exec(JSON.stringify(card))?.[0] ?? '?';
    const send: Send = { conversationId, title, atMs: this.time.nowMs };
    const inFlight = this.shared.inFlight;
    if (inFlight.some((s) => s.conversationId === conversationId)) this.overlapsInAConversation += 1;
    inFlight.push(send);
    this.inFlight.push(send);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.length);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      const failure = this.failNext.get(conversationId);
      if (failure) {
        this.failNext.delete(conversationId);
        throw failure;
      }
      this.sent.push(send);
      this.shared.sent.push(send);
      return `act-${conversationId}-${title}`;
    } finally {
      inFlight.splice(inFlight.indexOf(send), 1);
      this.inFlight.splice(this.inFlight.indexOf(send), 1);
    }
  }

  async update(reference: { conversation?: { id: string } }, activityId: string): Promise<void> {
    this.updates.push({ conversationId: reference.conversation!.id, activityId });
  }

  /** Lets the oldest held sends finish. */
  async release(count = Infinity): Promise<void> {
    for (const resolve of this.held.splice(0, count)) resolve();
    await idle();
  }
}

describe('AlertNotifier in parallel (fake sender, virtual time)', () => {
  let dir: string;
  let file: string;
  let time: VirtualTime;
  let store: IntegrationStore;
  const stores: IntegrationStore[] = [];
  let alertNo = 0;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ec-notifier-'));
    file = path.join(dir, 'store.db');
    time = new VirtualTime();
    store = open();
    alertNo = 0;
    for (const tenantId of [TENANT_A, TENANT_B]) {
      await store.upsertTenant({ id: tenantId });
      await store.saveIntegration(
        { id: `i-${tenantId}`, tenantId, method: 'modern', status: 'verified' },
        { expectedVersion: 0 },
      );
    }
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  function open(): IntegrationStore {
    const opened = openSqliteStore({ file, clock: time.clock });
    stores.push(opened);
    return opened;
  }
  const notifier = (
    sender: AlertSender,
    options: Partial<NotifierOptions> = {},
    deps: Partial<NotifierDeps> = {},
  ): AlertNotifier =>
    new AlertNotifier({
      store,
      sender,
      tab: { teamsAppId: 'app', entityId: 'tab' },
      log,
      clock: time.clock,
      sleep: time.sleep,
      random: () => 0,
      options,
      ...deps,
    });
  const subscribe = async (tenantId: string, count: number, prefix = tenantId.slice(0, 1)) => {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}:${String(i).padStart(3, '0')}`);
    for (const conversationId of ids) {
      await store.saveConversationSubscription({
        conversationId,
        tenantId,
        scope: 'personal',
        reference: { conversation: { id: conversationId }, serviceUrl: 'https://smba.example/teams/' },
        installedBy: 'u',
      });
    }
    return ids;
  };
  const raise = (tenantId: string, kind: AlertInput['kind'] = 'failing'): Promise<HealthAlert> => {
    alertNo += 1;
    return store.addAlert({
      tenantId,
      integrationId: `i-${tenantId}`,
      kind,
      severity: kind === 'recovered' ? 'info' : 'critical',
      title: `alert-${alertNo}`,
      summary: 's',
      since: time.clock().toISOString(),
    });
  };
  const deliveries = async (tenantId: string, alert: HealthAlert) =>
    store.listAlertDeliveries(tenantId, alert.id);

  it('sends to different conversations overlap, never more than `concurrency` at once', async () => {
    const conversations = await subscribe(TENANT_A, 10);
    const alert = await raise(TENANT_A);
    const sender = new FakeSender(time);
    sender.hold = true;
    const drain = notifier(sender, { concurrency: 3 }).drainOnce();
    await idle();
    expect(sender.inFlight).toHaveLength(3);
    await sender.release(1);
    expect(sender.inFlight).toHaveLength(3);
    sender.hold = false;
    await sender.release();
    expect(await time.run(drain)).toMatchObject({ planned: 1, sent: 10 });
    expect(sender.maxInFlight).toBe(3);
    expect(sender.sent.map((s) => s.conversationId).sort()).toEqual(conversations);
    expect((await deliveries(TENANT_A, alert)).every((d) => d.status === 'sent')).toBe(true);
  });

  it("sends one conversation's deliveries one at a time, in plan order, while the others go on", async () => {
    await subscribe(TENANT_A, 2);
    for (let i = 0; i < 3; i++) await raise(TENANT_A);
    const sender = new FakeSender(time);
    sender.hold = true;
    const drain = notifier(sender, { concurrency: 8 }).drainOnce();
    await idle();
    // Eight slots, six deliveries, two conversations: one of each in flight.
    expect(sender.inFlight.map((s) => [s.conversationId, s.title])).toEqual([
      ['a:000', 'alert-1'],
      ['a:001', 'alert-1'],
    ]);
    for (let round = 0; round < 3; round++) await sender.release();
    expect(await time.run(drain)).toMatchObject({ sent: 6 });
    expect(sender.overlapsInAConversation).toBe(0);
    for (const conversationId of ['a:000', 'a:001']) {
      expect(sender.sent.filter((s) => s.conversationId === conversationId).map((s) => s.title)).toEqual([
        'alert-1',
        'alert-2',
        'alert-3',
      ]);
    }
  });

  it('a 429 holds back only its conversation, whose later alerts wait behind it in order', async () => {
    await subscribe(TENANT_A, 3);
    const first = await raise(TENANT_A);
    await raise(TENANT_A);
    const sender = new FakeSender(time);
    sender.failNext.set(
      'a:001',
      new DeliveryError('retryable', 'Too many requests.', 429, 'Throttled', 30_000),
    );
    const n = notifier(sender);
    expect(await n.drainOnce()).toMatchObject({ sent: 4, rescheduled: 1 });
    expect(sender.sent.map((s) => `${s.conversationId} ${s.title}`)).toEqual(
      expect.arrayContaining(['a:000 alert-1', 'a:002 alert-1', 'a:000 alert-2', 'a:002 alert-2']),
    );
    const throttled = (await deliveries(TENANT_A, first)).find((d) => d.conversationId === 'a:001');
    expect(Date.parse(throttled!.nextAttemptAt) - time.nowMs).toBe(30_000);

    await time.advance(29_999);
    expect(await n.drainOnce()).toMatchObject({ sent: 0 });
    await time.advance(1);
    expect(await n.drainOnce()).toMatchObject({ sent: 2 });
    expect(sender.sent.filter((s) => s.conversationId === 'a:001').map((s) => s.title)).toEqual([
      'alert-1',
      'alert-2',
    ]);
  });

  it("a tenant whose rate limit is full does not hold up another tenant's deliveries", async () => {
    // 50 per second per tenant; more of A than the notifier may hold on top of that.
    await subscribe(TENANT_A, 70);
    await subscribe(TENANT_B, 1);
    await raise(TENANT_A);
    await raise(TENANT_B);
    const sender = new FakeSender(time);
    const drain = notifier(sender, { concurrency: 4, batchSize: 4 }).drainOnce();
    await idle();
    // Still in the first instant: A's window is full after 50, and B's card went out meanwhile.
    expect(time.nowMs).toBe(START);
    expect(sender.sent.filter((s) => s.conversationId.startsWith('a:'))).toHaveLength(50);
    expect(sender.sent.filter((s) => s.conversationId.startsWith('b:'))).toHaveLength(1);
    expect(await time.run(drain)).toMatchObject({ sent: 71 });
    expect(new Set(sender.sent.map((s) => s.conversationId)).size).toBe(71);
    expect(Math.max(...sender.sent.map((s) => s.atMs))).toBe(START + 1000);
  });

  it("a delivery sleeping on its conversation's rate limit gives its slot to another conversation", async () => {
    await subscribe(TENANT_A, 1, 'x');
    for (let i = 0; i < 8; i++) await raise(TENANT_A);
    await subscribe(TENANT_B, 1, 'y');
    await raise(TENANT_B);
    const sender = new FakeSender(time);
    // One slot, one claim at a time: x's eight alerts come first, the eighth waits a second (7 per s).
    const drain = notifier(sender, { concurrency: 1, batchSize: 1 }).drainOnce();
    expect(await time.run(drain)).toMatchObject({ sent: 9 });
    const at = (conversationId: string, title: string) =>
      sender.sent.find((s) => s.conversationId === conversationId && s.title === title)?.atMs;
    expect(at('x:000', 'alert-8')).toBe(START + 1000);
    expect(at('y:000', 'alert-9')).toBe(START);
  });

  it('stop() finishes the sends in flight and gives back every other lease; a second notifier sends the rest once', async () => {
    const conversations = await subscribe(TENANT_A, 6);
    const alert = await raise(TENANT_A);
    const sender = new FakeSender(time);
    sender.hold = true;
    const first = notifier(sender, { concurrency: 2 });
    const drain = first.drainOnce();
    await idle();
    expect(sender.inFlight).toHaveLength(2);
    const stopped = first.stop();
    await sender.release();
    await stopped;
    const report = await drain;
    expect(report.sent).toBe(2);
    const after = await deliveries(TENANT_A, alert);
    expect(after.filter((d) => d.status === 'sent')).toHaveLength(2);
    expect(after.filter((d) => d.status === 'pending').every((d) => d.leaseOwner === undefined)).toBe(true);

    sender.hold = false;
    store = open();
    expect(await notifier(sender).drainOnce()).toMatchObject({ sent: 4 });
    expect(sender.sent.map((s) => s.conversationId).sort()).toEqual(conversations);
  });

  it('two notifiers on one database deliver each (alert, conversation) once, each conversation in order', async () => {
    const conversations = await subscribe(TENANT_A, 12);
    const alerts = [await raise(TENANT_A), await raise(TENANT_A), await raise(TENANT_A)];
    const shared: Shared = { inFlight: [], sent: [] };
    const senders = [new FakeSender(time, shared), new FakeSender(time, shared)];
    for (const [i, conversationId] of conversations.entries()) {
      if (i % 4 === 0) {
        senders[i % 2]!.failNext.set(
          conversationId,
          new DeliveryError('retryable', 'Too many requests.', 429, 'Throttled', 2_000),
        );
      }
    }
    for (const s of senders) s.hold = true;
    const notifiers = senders.map((s, i) =>
      notifier(s, { concurrency: 4 }, { store: open(), owner: `n${i}` }),
    );
    const releaseAll = async () => {
      for (const s of senders) await s.release();
    };
    for (let round = 0; round < 20; round++) {
      await time.run(Promise.all(notifiers.map((n) => n.drainOnce())), releaseAll);
      const pending = (await Promise.all(alerts.map((a) => deliveries(TENANT_A, a))))
        .flat()
        .filter((d) => d.status === 'pending');
      if (pending.length === 0) break;
      await time.advance(5_000);
    }
    const sent = shared.sent;
    expect(sent).toHaveLength(36);
    expect(new Set(sent.map((s) => `${s.conversationId} ${s.title}`)).size).toBe(36);
    expect(senders.every((s) => s.overlapsInAConversation === 0)).toBe(true);
    for (const conversationId of conversations) {
      const inOrder = sent.filter((s) => s.conversationId === conversationId);
      expect(inOrder.map((s) => s.title)).toEqual(['alert-1', 'alert-2', 'alert-3']);
    }
  });

  it('the running notifier wakes for each retry when it comes due, not at the next poll', async () => {
    await subscribe(TENANT_A, 3);
    await raise(TENANT_A);
    const sender = new FakeSender(time);
    const throttled = (retryAfterMs: number) =>
      new DeliveryError('retryable', 'Too many requests.', 429, 'Throttled', retryAfterMs);
    sender.failNext.set('a:000', throttled(1000));
    sender.failNext.set('a:001', throttled(3000));
    const n = notifier(sender, { pollIntervalMs: 60_000 });
    n.start();
    await idle();
    for (let step = 0; step < 10 && sender.sent.length < 3; step++) await time.advanceToNext();
    await n.stop();
    const at = (conversationId: string) => sender.sent.find((s) => s.conversationId === conversationId)?.atMs;
    expect([at('a:002'), at('a:000'), at('a:001')]).toEqual([START, START + 1000, START + 3000]);
  });

  it('a 429 gives back its rate-limit slot, and its Retry-After is honoured as given however many attempts', async () => {
    await subscribe(TENANT_A, 2);
    await raise(TENANT_A);
    const limiter = new TeamsRateLimiter();
    const sender = new FakeSender(time);
    sender.failNext.set(
      'a:000',
      new DeliveryError('retryable', 'Too many requests.', 429, 'Throttled', 1000),
    );
    const n = notifier(sender, {}, { limiter });
    expect(await n.drainOnce()).toMatchObject({ sent: 1, rescheduled: 1 });
    // One send counted against the tenant: the refused one was given back.
    expect(limiter.tenantRoom(TENANT_A, time.nowMs).room).toBe(49);
    expect(n.backoffMs(6, 1000)).toBe(1000);
    expect(n.backoffMs(6)).toBe(64_000);
  });

  it('a recovery finds its incident once and each original card with one narrow read', async () => {
    const conversations = await subscribe(TENANT_A, 20);
    await raise(TENANT_A, 'failing');
    const sender = new FakeSender(time);
    await notifier(sender).drainOnce();

    await raise(TENANT_A, 'recovered');
    const calls = new Map<string, number>();
    const counted = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    expect(await notifier(sender, {}, { store: counted }).drainOnce()).toMatchObject({ sent: 20 });
    expect(calls.get('incidentClosedBy')).toBe(1);
    expect(calls.get('sentActivityOf')).toBe(20);
    expect(calls.get('listAlertDeliveries')).toBeUndefined();
    expect(calls.get('listAlerts')).toBeUndefined();
    expect(sender.updates.map((u) => u.activityId).sort()).toEqual(
      conversations.map((c) => `act-${c}-alert-1`).sort(),
    );
  });
});
