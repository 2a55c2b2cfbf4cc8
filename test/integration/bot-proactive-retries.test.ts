/**
 * botbuilder's own retries are off for proactive sends: a 429 comes back from the first request, with
 * its Retry-After, instead of being slept on inside ConnectorClient (adapter.ts). Counted in requests
 * that reached the connector (the fault rule's remaining count), never in time. The control case
 * shows what the rule removes: botbuilder's default pipeline sleeps a 1 s Retry-After and retries.
 */
import type { ConversationReference } from 'botbuilder';
import { botFrameworkAuthentication, createCloudAdapter, withoutRetries } from '../../bot/src/adapter';
import { alertCard } from '../../bot/src/cards/alert-card';
import { BotFrameworkAlertSender, DeliveryError } from '../../bot/src/proactive-sender';
import type { ConnectorClient } from 'botframework-connector';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  connectedIntegration,
  feed,
  quietLog,
  sandboxBotSettings,
  startBotHarness,
  type BotHarness,
  type ChannelDelivery,
} from './bot-harness';

jest.setTimeout(120_000);

interface FaultRule {
  id: number;
  remaining: number | null;
}

describe('proactive sends without botbuilder retries', () => {
  let sandbox: TestSandbox;
  let harness: BotHarness;
  let reference: Partial<ConversationReference>;
  let card: ReturnType<typeof alertCard>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    harness = await startBotHarness(sandbox);
    const tenantId = sandbox.context.seed.tenants[0]!.id;
    await connectedIntegration(harness.store, tenantId, harness.clock.now());
    const installed = await sandbox.control<ChannelDelivery>('POST', '/connector/install', {
      upn: 'admin@contoso.com',
      scope: 'personal',
    });
    const subscription = await harness.store.getConversationSubscription(
      tenantId,
      installed.body.conversationId,
    );
    reference = subscription!.reference as Partial<ConversationReference>;
    const alert = await harness.store.addAlert({
      tenantId,
      integrationId: `int-${tenantId.slice(0, 8)}`,
      kind: 'failing',
      severity: 'critical',
      title: 'Exchange connection failing',
      summary: 'No consent.',
      since: harness.clock.now().toISOString(),
    });
    card = alertCard(alert, harness.settings.tab);
  });
  afterAll(async () => {
    await harness.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await sandbox.control('DELETE', '/faults');
  });

  /** Throttled answers (Retry-After: 1) for the next `count` connector requests; returns the rule's id. */
  const throttle = async (count: number): Promise<number> => {
    const rule = await sandbox.control<FaultRule>('POST', '/faults', {
      service: 'connector',
      kind: 'throttle',
      ms: 1000,
      count,
    });
    expect(rule.status).toBe(201);
    return rule.body.id;
  };
  const remaining = async (id: number): Promise<number> => {
    const rules = await sandbox.control<{ value: FaultRule[] }>('GET', '/faults');
    // A rule is dropped once used up.
    return rules.body.value.find((r) => r.id === id)?.remaining ?? 0;
  };

  it('a 429 reaches the notifier from the first request, with its Retry-After', async () => {
    const rule = await throttle(2);
    const before = (await feed(sandbox)).length;
    const sender = new BotFrameworkAlertSender(harness.bot.adapter, sandbox.context.seed.bot.appId);
    const failure = await sender.send(reference, card).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure).toMatchObject({ kind: 'retryable', statusCode: 429, retryAfterMs: 1000 });
    // One request reached the connector: the second throttled answer is still unused.
    expect(await remaining(rule)).toBe(1);
    expect((await feed(sandbox)).length).toBe(before);
  });

  it("control: botbuilder's default ConnectorClient sleeps on the 429 and retries by itself", async () => {
    const { auth } = sandboxBotSettings(sandbox);
    if (auth.mode !== 'certificate') throw new Error('the sandbox bot signs in with a certificate');
    const adapter = createCloudAdapter(
      botFrameworkAuthentication(auth.credentials, auth.endpoints),
      quietLog,
      {
        proactiveRetries: true,
      },
    );
    // Once only: botbuilder sleeps the whole Retry-After (1 s, for real) before its retry.
    const rule = await throttle(1);
    const before = (await feed(sandbox)).length;
    const id = await new BotFrameworkAlertSender(adapter, sandbox.context.seed.bot.appId).send(
      reference,
      card,
    );
    expect(await remaining(rule)).toBe(0);
    const sent = (await feed(sandbox)).slice(before);
    expect(sent.map((e) => e.activity.id)).toEqual([id]);
  });

  it('withoutRetries refuses a ConnectorClient whose pipeline it cannot find, rather than send with retries', () => {
    const unknownShape = {} as ConnectorClient;
    expect(() => withoutRetries(unknownShape)).toThrow('retry policy was not found');
  });
});
