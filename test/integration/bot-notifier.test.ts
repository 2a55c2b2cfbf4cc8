/**
 * The notifier drains the outbox into Teams through real botbuilder proactive sends against the
 * sandbox connector: one card per subscribed conversation, recovery closes the incident in place,
 * mutes suppress, 429 storms end with every card delivered once, a notifier stopped or killed
 * mid-drain loses and repeats nothing, and 403 BotNotInConversationRoster unsubscribes.
 */
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { HealthAlert } from '../../api/src/store/health-types';
import type { Integration } from '../../api/src/store/types';
import { AlertNotifier } from '../../bot/src/notifier';
import { BotFrameworkAlertSender } from '../../bot/src/proactive-sender';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  cardText,
  connectedIntegration,
  feed,
  quietLog,
  startBotHarness,
  type BotHarness,
  type ChannelDelivery,
  type FeedEntry,
} from './bot-harness';

jest.setTimeout(120_000);

describe('alert notifier (outbox → botbuilder continueConversationAsync → sandbox connector)', () => {
  let sandbox: TestSandbox;
  let harness: BotHarness;
  let integration: Integration;
  const conversations: string[] = [];
  let fabrikamConversation: string;
  const contoso = () => sandbox.context.seed.tenants[0]!;

  const install = async (upn: string, scope: 'personal' | 'team', teamName?: string) =>
    (
      await sandbox.control<ChannelDelivery>('POST', '/connector/install', {
        upn,
        scope,
        ...(teamName ? { teamName } : {}),
      })
    ).body.conversationId;

  let alertNo = 0;
  const raise = (kind: HealthAlert['kind'] = 'failing'): Promise<HealthAlert> => {
    alertNo += 1;
    return harness.store.addAlert({
      tenantId: contoso().id,
      integrationId: integration.id,
      kind,
      severity: kind === 'recovered' ? 'info' : 'critical',
      title:
        kind === 'recovered'
          ? `Exchange connection recovered #${alertNo}`
          : `Exchange connection failing #${alertNo}`,
      summary:
        kind === 'recovered'
          ? 'Every check passes again.'
          : 'The app has no admin consent in your organisation.',
      ...(kind === 'recovered'
        ? {}
        : {
            failingCheck: 'token' as const,
            microsoftCode: 'AADSTS7000229',
            remediation: 'Grant admin consent again.',
          }),
      since: harness.clock.now().toISOString(),
    });
  };
  /** Feed entries that carry the alert's card. */
  const cardsOf = (entries: FeedEntry[], alert: HealthAlert) =>
    entries.filter((e) => cardText(e).includes(alert.title));
  /** Lets every backed-off delivery come due, and drains, until nothing is pending. */
  const drainUntilSettled = async (notifier: AlertNotifier, tenantId: string, alertId: string) => {
    for (let round = 0; round < 20; round++) {
      await notifier.drainOnce();
      const pending = (await harness.store.listAlertDeliveries(tenantId, alertId)).filter(
        (d) => d.status === 'pending',
      );
      if (pending.length === 0) return;
      harness.clock.advance(10 * 60_000);
    }
    throw new Error('deliveries still pending after 20 rounds');
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    harness = await startBotHarness(sandbox);
    conversations.push(await install('admin@contoso.com', 'personal'));
    conversations.push(await install('alex@contoso.com', 'personal'));
    conversations.push(await install('admin@contoso.com', 'team', 'IT'));
    fabrikamConversation = await install('admin@fabrikam.com', 'personal');
    integration = await connectedIntegration(harness.store, contoso().id, harness.clock.now());
  });
  afterAll(async () => {
    await harness.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await sandbox.control('DELETE', '/faults');
    // The harness clock jumps ahead (lease expiry, back-off) while the connector counts real time,
    // so without this one scenario's sends would throttle the next one's (8 per 2 s per conversation).
    await sandbox.control('DELETE', '/connector/rate-limits');
  });

  let failing: HealthAlert;

  it('an alert in the outbox becomes exactly one card per subscribed conversation of its tenant', async () => {
    failing = await raise('failing');
    const before = (await feed(sandbox)).length;
    const report = await harness.bot.notifier.drainOnce();
    expect(report).toMatchObject({ planned: 1, sent: 3, failed: 0, rescheduled: 0 });
    const entries = (await feed(sandbox)).slice(before);
    const cards = cardsOf(entries, failing);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([...conversations].sort());
    expect(entries.some((e) => e.conversationId === fabrikamConversation)).toBe(false);
    const card = cards[0]!.activity.attachments![0]!.content as unknown as Record<string, unknown>;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(cardText(cards[0])).toContain('AADSTS7000229');
    expect(cardText(cards[0])).toContain('Grant admin consent again.');
    expect(cardText(cards[0])).toContain('"verb":"checkAgain"');
    expect(cardText(cards[0])).toContain('https://teams.microsoft.com/l/entity/');

    const deliveries = await harness.store.listAlertDeliveries(contoso().id, failing.id);
    expect(deliveries.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
    for (const d of deliveries) {
      expect(cards.find((c) => c.conversationId === d.conversationId)?.activity.id).toBe(d.sentActivityId);
    }
    // A second drain finds nothing to do.
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ planned: 0, sent: 0 });
    expect((await feed(sandbox)).length).toBe(before + 3);
  });

  it('the recovery closes the incident: each original alert card is updated in place', async () => {
    const recovered = await raise('recovered');
    const before = (await feed(sandbox)).length;
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ sent: 3 });
    const entries = (await feed(sandbox)).slice(before);
    expect(entries.map((e) => e.operation)).toEqual(['update', 'update', 'update']);
    const originals = await harness.store.listAlertDeliveries(contoso().id, failing.id);
    for (const entry of entries) {
      expect(entry.activity.id).toBe(
        originals.find((d) => d.conversationId === entry.conversationId)?.sentActivityId,
      );
      expect(cardText(entry)).toContain('Resolved');
      expect(cardText(entry)).toContain(failing.title);
    }
    expect(cardsOf(entries, recovered)).toHaveLength(3);
  });

  it('a muted conversation gets no card; its delivery is recorded as suppressed', async () => {
    const until = new Date(harness.clock.now().getTime() + 24 * 3600_000).toISOString();
    expect(await harness.store.setConversationMute(contoso().id, conversations[1]!, until)).toBe(true);
    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ sent: 2, suppressed: 1 });
    const cards = cardsOf((await feed(sandbox)).slice(before), alert);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([conversations[0], conversations[2]].sort());
    const muted = (await harness.store.listAlertDeliveries(contoso().id, alert.id)).find(
      (d) => d.conversationId === conversations[1],
    );
    expect(muted?.status).toBe('suppressed');
    await harness.store.setConversationMute(contoso().id, conversations[1]!, undefined);
  });

  it('a 429 storm on the connector ends with every card delivered exactly once', async () => {
    const alert = await raise('failing');
    // More throttled answers than there are conversations: some deliveries are throttled twice.
    const fault = await sandbox.control('POST', '/faults', {
      service: 'connector',
      kind: 'throttle',
      ms: 1000,
      count: 6,
    });
    expect(fault.status).toBe(201);
    const before = (await feed(sandbox)).length;
    await drainUntilSettled(harness.bot.notifier, contoso().id, alert.id);
    const cards = cardsOf((await feed(sandbox)).slice(before), alert);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([...conversations].sort());
    const deliveries = await harness.store.listAlertDeliveries(contoso().id, alert.id);
    expect(deliveries.every((d) => d.status === 'sent')).toBe(true);
    // The storm was felt: at least one delivery needed a second attempt, scheduled after a 429.
    const retried = deliveries.filter((d) => d.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0]!.lastError).toContain('429');
  });

  it('a notifier stopped mid-drain and a new one on the same database: nothing lost or duplicated', async () => {
    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    const first: AlertNotifier = new AlertNotifier({
      store: harness.store,
      sender: new BotFrameworkAlertSender(harness.bot.adapter, sandbox.context.seed.bot.appId),
      tab: harness.settings.tab,
      log: quietLog,
      clock: harness.clock.now,
      sleep: harness.clock.sleep,
      // One delivery at a time, so the stop lands between two (bot-notifier-instances.test.ts stops
      // one with several sends in flight).
      options: { concurrency: 1 },
      onSettled: (_claimed, outcome) => {
        if (outcome.status === 'sent') void first.stop();
      },
    });
    const report = await first.drainOnce();
    await first.stop();
    expect(report.sent).toBe(1);
    expect(report.released).toBe(2);

    // "Restart": another store connection on the same SQLite file, another notifier.
    const reopened = openSqliteStore({ file: harness.dbFile, clock: harness.clock.now });
    try {
      const second = new AlertNotifier({
        store: reopened,
        sender: new BotFrameworkAlertSender(harness.bot.adapter, sandbox.context.seed.bot.appId),
        tab: harness.settings.tab,
        log: quietLog,
        clock: harness.clock.now,
        sleep: harness.clock.sleep,
      });
      expect(await second.drainOnce()).toMatchObject({ planned: 0, sent: 2 });
      expect(await second.drainOnce()).toMatchObject({ sent: 0 });
    } finally {
      await reopened.close();
    }
    const cards = cardsOf((await feed(sandbox)).slice(before), alert);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([...conversations].sort());
  });

  it('a notifier killed after claiming: its leases expire and a new notifier delivers each card once', async () => {
    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    // Plan, then claim as a process that dies right after (it never sends or settles).
    await harness.store.planAlertDeliveries(
      alert.id,
      (await harness.store.listConversationSubscriptions(contoso().id)).map((s) => s.conversationId),
      harness.clock.now(),
    );
    const claimed = await harness.store.claimAlertDeliveries({
      owner: 'killed-process',
      now: harness.clock.now(),
      leaseMs: 120_000,
      limit: 10,
    });
    expect(claimed).toHaveLength(3);
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ sent: 0 });
    harness.clock.advance(121_000);
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ sent: 3 });
    const cards = cardsOf((await feed(sandbox)).slice(before), alert);
    expect(cards.map((c) => c.conversationId).sort()).toEqual([...conversations].sort());
  });

  it('403 BotNotInConversationRoster unsubscribes the conversation and drops the delivery', async () => {
    // The bot is removed while it cannot hear the removal event, so only the connector knows.
    const gone = await install('admin.nomailbox@contoso.com', 'personal');
    await sandbox.control('PUT', '/connector/bot-endpoint', { url: 'https://127.0.0.1:1/api/messages' });
    await sandbox.control('POST', '/connector/uninstall', { conversationId: gone });
    await sandbox.control('PUT', '/connector/bot-endpoint', { url: harness.endpoint });
    expect((await harness.store.getConversationSubscription(contoso().id, gone))?.removedAt).toBeUndefined();

    const alert = await raise('failing');
    const before = (await feed(sandbox)).length;
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ sent: 3, failed: 1 });
    const dropped = (await harness.store.listAlertDeliveries(contoso().id, alert.id)).find(
      (d) => d.conversationId === gone,
    );
    expect(dropped).toMatchObject({ status: 'failed' });
    expect(dropped?.lastError).toContain('403 BotNotInConversationRoster');
    expect((await harness.store.getConversationSubscription(contoso().id, gone))?.removedAt).toBeDefined();
    expect(cardsOf((await feed(sandbox)).slice(before), alert).some((c) => c.conversationId === gone)).toBe(
      false,
    );

    // The next alert is not even planned for it.
    const next = await raise('failing');
    await harness.bot.notifier.drainOnce();
    expect(
      (await harness.store.listAlertDeliveries(contoso().id, next.id)).map((d) => d.conversationId),
    ).not.toContain(gone);
  });
});
