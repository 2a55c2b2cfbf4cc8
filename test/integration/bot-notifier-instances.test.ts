/**
 * Two notifier instances on one database — two bots with their own CloudAdapter, store connection
 * and lease owner, as two app processes would be — deliver each (alert, conversation) exactly once
 * through real botbuilder proactive sends to the sandbox connector: under injected 429s, with one
 * instance stopped while several of its sends are in flight, and after an instance died holding
 * leases. Run on a shared SQLite file and on PostgreSQL.
 */
import { statusReader } from '../../api/src/status/read-status';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthAlert } from '../../api/src/store/health-types';
import type { IntegrationStore } from '../../api/src/store/port';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { createBot } from '../../bot/src/create-bot';
import type { AlertNotifier, DrainReport, NotifierOptions } from '../../bot/src/notifier';
import { TestDatabases } from '../support/postgres';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  cardText,
  connectedIntegration,
  feed,
  quietLog,
  startBotHarness,
  TestClock,
  type BotHarness,
  type ChannelDelivery,
  type FeedEntry,
} from './bot-harness';

jest.setTimeout(120_000);

const CONVERSATIONS = 12;

interface Database {
  /** Opens another connection (another instance's store) on the same database. */
  open(clock: () => Date): Promise<IntegrationStore>;
  drop(): Promise<void>;
}

function sqliteDatabase(): Database {
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-instances-'));
  const file = path.join(dir, 'store.db');
  return {
    open: async (clock) => openSqliteStore({ file, clock }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresDatabase(): Promise<Database> {
  const databases = new TestDatabases();
  const url = await databases.create();
  return {
    open: (clock) => openPostgresStore({ connectionString: url, clock }),
    drop: () => databases.dropAll(),
  };
}

// One sandbox for the file: botbuilder caches the bot's connector token per app id in the process.
let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

describe.each([
  ['a shared SQLite file', 'sqlite', async () => sqliteDatabase()],
  ['PostgreSQL', 'postgres', postgresDatabase],
])('two notifier instances on %s', (_name, teamPrefix, makeDatabase) => {
  let database: Database;
  let harness: BotHarness;
  const clock = new TestClock();
  const stores: IntegrationStore[] = [];
  /** The second instance: its own store connection, adapter and lease owner. */
  let second: { store: IntegrationStore; notifier: AlertNotifier };
  const conversations: string[] = [];
  const tenantId = () => sandbox.context.seed.tenants[0]!.id;
  let integrationId: string;

  beforeAll(async () => {
    database = await makeDatabase();
    const first = await database.open(clock.now);
    stores.push(first);
    harness = await startBotHarness(sandbox, { store: first, clock });
    second = await anotherInstance();
    integrationId = (await connectedIntegration(first, tenantId(), clock.now())).id;
    for (let i = 1; i <= CONVERSATIONS; i++) {
      const installed = await sandbox.control<ChannelDelivery>('POST', '/connector/install', {
        upn: 'admin@contoso.com',
        scope: 'team',
        teamName: `Operations ${teamPrefix} ${i}`,
      });
      conversations.push(installed.body.conversationId);
    }
    expect(await first.listConversationSubscriptions(tenantId())).toHaveLength(CONVERSATIONS);
  });
  afterAll(async () => {
    await second?.notifier.stop();
    await harness?.close();
    await Promise.all(stores.map((s) => s.close()));
    await database?.drop();
  });
  afterEach(async () => {
    await sandbox.control('DELETE', '/faults');
    await sandbox.control('DELETE', '/connector/rate-limits');
  });

  /** Another instance: its own store connection, CloudAdapter and lease owner. */
  const anotherInstance = async (
    notifierOptions: Partial<NotifierOptions> = {},
  ): Promise<{ store: IntegrationStore; notifier: AlertNotifier }> => {
    const store = await database.open(clock.now);
    stores.push(store);
    const bot = createBot({
      settings: harness.settings,
      store,
      readStatus: statusReader(store, { appId: 'bot-instances' }),
      log: quietLog,
      clock: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      checkNow: async () => ({ status: 'not_connected' }),
      notifierOptions,
    });
    return { store, notifier: bot.notifier };
  };
  const notifiers = () => [harness.bot.notifier, second.notifier];
  let alertNo = 0;
  const raise = (kind: HealthAlert['kind'] = 'failing'): Promise<HealthAlert> => {
    alertNo += 1;
    return harness.store.addAlert({
      tenantId: tenantId(),
      integrationId,
      kind,
      severity: kind === 'recovered' ? 'info' : 'critical',
      title: `Instances alert #${alertNo} (${kind})`,
      summary: 'Two instances share the outbox.',
      since: clock.now().toISOString(),
    });
  };
  const cardsOf = (entries: FeedEntry[], alert: HealthAlert) =>
    entries.filter((e) => cardText(e).includes(alert.title));
  const pendingOf = async (alert: HealthAlert) =>
    (await harness.store.listAlertDeliveries(tenantId(), alert.id)).filter((d) => d.status === 'pending');
  /** Both instances drain at once, round after round (time moved past every back-off), until none is pending. */
  const drainTogether = async (alert: HealthAlert): Promise<DrainReport[]> => {
    const reports: DrainReport[] = [];
    for (let round = 0; round < 20; round++) {
      reports.push(...(await Promise.all(notifiers().map((n) => n.drainOnce()))));
      if ((await pendingOf(alert)).length === 0) return reports;
      clock.advance(10 * 60_000);
    }
    throw new Error('deliveries still pending after 20 rounds');
  };
  const expectOneCardPerConversation = (entries: FeedEntry[], alert: HealthAlert) => {
    const cards = cardsOf(entries, alert);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([...conversations].sort());
  };

  let failing: HealthAlert;

  it('deliver each card exactly once between them, under throttling', async () => {
    failing = await raise('failing');
    const fault = await sandbox.control('POST', '/faults', {
      service: 'connector',
      kind: 'throttle',
      ms: 1000,
      count: 5,
    });
    expect(fault.status).toBe(201);
    const before = (await feed(sandbox)).length;
    const reports = await drainTogether(failing);
    const entries = (await feed(sandbox)).slice(before);
    expectOneCardPerConversation(entries, failing);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(CONVERSATIONS);
    expect(reports.reduce((n, r) => n + r.rescheduled, 0)).toBeGreaterThanOrEqual(1);
    const deliveries = await harness.store.listAlertDeliveries(tenantId(), failing.id);
    for (const d of deliveries) {
      expect(d.status).toBe('sent');
      expect(cardsOf(entries, failing).find((c) => c.conversationId === d.conversationId)?.activity.id).toBe(
        d.sentActivityId,
      );
    }
  });

  it('close the incident in place exactly once per conversation', async () => {
    const recovered = await raise('recovered');
    const before = (await feed(sandbox)).length;
    await drainTogether(recovered);
    const entries = (await feed(sandbox)).slice(before);
    expect(entries.map((e) => e.operation)).toEqual(Array(CONVERSATIONS).fill('update'));
    expectOneCardPerConversation(entries, recovered);
    const originals = await harness.store.listAlertDeliveries(tenantId(), failing.id);
    for (const entry of entries) {
      expect(entry.activity.id).toBe(
        originals.find((d) => d.conversationId === entry.conversationId)?.sentActivityId,
      );
    }
  });

  it('lose and repeat nothing when one is stopped with several sends in flight', async () => {
    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    // The next three connector requests hang until released: a third instance, three sends at a
    // time, has them in flight.
    await sandbox.control('POST', '/faults', { service: 'connector', kind: 'latency', ms: 60_000, count: 3 });
    const first = (await anotherInstance({ concurrency: 3, batchSize: 3 })).notifier;
    const draining = first.drainOnce();
    for (let i = 0; i < 2000 && sandbox.context.faults.delayed() < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sandbox.context.faults.delayed()).toBe(3);
    const stopped = first.stop();
    expect(sandbox.context.faults.releaseDelays()).toBe(3);
    await stopped;
    const report = await draining;
    expect(report.sent).toBe(3);
    const left = await pendingOf(alert);
    expect(left).toHaveLength(CONVERSATIONS - 3);
    expect(left.every((d) => d.leaseOwner === undefined)).toBe(true);

    expect(await second.notifier.drainOnce()).toMatchObject({ sent: CONVERSATIONS - 3 });
    expectOneCardPerConversation((await feed(sandbox)).slice(before), alert);
  });

  it('lose and repeat nothing after an instance died holding leases', async () => {
    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    await harness.store.planAlertDeliveries(alert.id, conversations, clock.now());
    // A third instance claims five and dies before sending any.
    const claimed = await harness.store.claimNextDeliveryPerConversation({
      owner: 'killed-instance',
      now: clock.now(),
      leaseMs: 120_000,
      limit: 5,
    });
    expect(claimed).toHaveLength(5);
    const reports = await Promise.all(notifiers().map((n) => n.drainOnce()));
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(CONVERSATIONS - 5);
    clock.advance(121_000);
    const afterExpiry = await Promise.all(notifiers().map((n) => n.drainOnce()));
    expect(afterExpiry.reduce((n, r) => n + r.sent, 0)).toBe(5);
    expectOneCardPerConversation((await feed(sandbox)).slice(before), alert);
    expect(await pendingOf(alert)).toEqual([]);
  });
});
