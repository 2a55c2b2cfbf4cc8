/**
 * The alert bot's conversations through the sandbox Teams channel, with real botbuilder token
 * validation: install (personal and team) subscribes and greets, commands answer with cards from
 * the store, a user speaking for another tenant gets no data, "Check again" answers its invoke with
 * a refreshed card, removal unsubscribes.
 */
import { channelSigner } from '../../sandbox/src/connector/channel-signer';
import { CHECK_INTERVAL_MS } from '../../bot/src/activity-handler';
import { startTestSandbox, httpsJson, type TestSandbox } from '../support/sandbox';
import {
  cardText,
  connectedIntegration,
  recordFailingTokenRun,
  feed,
  startBotHarness,
  type BotHarness,
  type ChannelDelivery,
} from './bot-harness';

jest.setTimeout(60_000);

describe('alert bot conversations (botbuilder CloudAdapter ↔ sandbox Teams channel)', () => {
  let sandbox: TestSandbox;
  let harness: BotHarness;
  const contoso = () => sandbox.context.seed.tenants[0]!;
  const fabrikam = () => sandbox.context.seed.tenants[1]!;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    harness = await startBotHarness(sandbox);
    // The bot serves Global Admins who opened the tab: both admins here did.
    await harness.recognise('admin@contoso.com');
    await harness.recognise('admin@fabrikam.com');
  });
  afterAll(async () => {
    await harness.close();
    await sandbox.close();
  });

  const install = (upn: string, scope: 'personal' | 'team', teamName?: string) =>
    sandbox.control<ChannelDelivery>('POST', '/connector/install', {
      upn,
      scope,
      ...(teamName ? { teamName } : {}),
    });
  const say = (conversationId: string, upn: string, text: string) =>
    sandbox.control<ChannelDelivery>('POST', '/connector/messages', { conversationId, upn, text });

  let personal: string;

  it('install in a personal chat stores the conversation reference for the tenant and greets once', async () => {
    const before = (await feed(sandbox)).length;
    const res = await install('admin@contoso.com', 'personal');
    expect(res.body.deliveries.map((d) => [d.activityType, d.status])).toEqual([
      ['installationUpdate', 200],
      ['conversationUpdate', 200],
    ]);
    personal = res.body.conversationId;
    const subscription = await harness.store.getConversationSubscription(contoso().id, personal);
    expect(subscription).toMatchObject({
      conversationId: personal,
      tenantId: contoso().id,
      scope: 'personal',
      installedBy: contoso().users[0]!.id,
      reference: {
        serviceUrl: `${sandbox.urls.connector}/teams/`,
        channelId: 'msteams',
        conversation: { id: personal, tenantId: contoso().id },
      },
    });
    expect(subscription?.removedAt).toBeUndefined();
    // installationUpdate and conversationUpdate both announce the install: one greeting only.
    const greetings = (await feed(sandbox)).slice(before).filter((e) => e.conversationId === personal);
    expect(greetings).toHaveLength(1);
    expect(cardText(greetings[0])).toContain('post an alert when its health changes');
  });

  it('install in a team subscribes the channel conversation with scope team', async () => {
    const res = await install('admin@contoso.com', 'team', 'IT');
    const subscription = await harness.store.getConversationSubscription(
      contoso().id,
      res.body.conversationId,
    );
    expect(subscription).toMatchObject({ scope: 'team', tenantId: contoso().id });
    expect(
      (await harness.store.listConversationSubscriptions(contoso().id)).map((s) => s.conversationId),
    ).toEqual([personal, res.body.conversationId]);
  });

  it('help, and unknown text, answer with the command list', async () => {
    for (const text of ['help', 'what can you do?']) {
      const before = (await feed(sandbox)).length;
      const res = await say(personal, 'admin@contoso.com', text);
      expect(res.body.botStatus).toBe(200);
      const [answer] = (await feed(sandbox)).slice(before);
      expect(cardText(answer)).toContain('mute 24h');
      expect(cardText(answer)).toContain('unmute');
    }
  });

  it('status shows "not connected" before the tenant connects Exchange, then the state and the last checks', async () => {
    let before = (await feed(sandbox)).length;
    await say(personal, 'admin@contoso.com', 'status');
    expect(cardText((await feed(sandbox)).slice(before)[0])).toContain('Exchange is not connected');

    const now = harness.clock.now();
    const integration = await connectedIntegration(harness.store, contoso().id, now);
    const [claim] = await harness.store.claimDueHealthChecks({
      owner: 'test',
      now,
      leaseMs: 60_000,
      limit: 1,
      statuses: ['verified'],
    });
    expect(claim?.integration.id).toBe(integration.id);
    await recordFailingTokenRun(harness.store, integration, now);
    before = (await feed(sandbox)).length;
    await say(personal, 'admin@contoso.com', 'status');
    const text = cardText((await feed(sandbox)).slice(before)[0]);
    expect(text).toContain('The Exchange connection is failing');
    expect(text).toContain('AADSTS7000229');
    expect(text).toContain('"style":"attention"');
  });

  it('a user of another tenant gets no data about this tenant', async () => {
    // Fabrikam installs the bot too: its status speaks of Fabrikam only (not connected), never Contoso.
    const own = await install('admin@fabrikam.com', 'personal');
    let before = (await feed(sandbox)).length;
    await say(own.body.conversationId, 'admin@fabrikam.com', 'status');
    const fabrikamAnswer = cardText((await feed(sandbox)).slice(before)[0]);
    expect(fabrikamAnswer).toContain('Exchange is not connected');
    expect(fabrikamAnswer).not.toContain('AADSTS7000229');

    // A genuinely signed activity into Contoso's conversation that speaks for Fabrikam: no Contoso data.
    const signer = await channelSigner(sandbox.context);
    const serviceUrl = `${sandbox.urls.connector}/teams/`;
    const token = await signer.sign({
      botAppId: sandbox.context.seed.bot.appId,
      serviceUrl,
      nowMs: Date.now(),
    });
    before = (await feed(sandbox)).length;
    const res = await httpsJson(
      sandbox.agent,
      harness.endpoint,
      'POST',
      {
        type: 'message',
        id: '99',
        text: 'status',
        channelId: 'msteams',
        serviceUrl,
        from: { id: '29:1stranger', aadObjectId: fabrikam().users[0]!.id },
        recipient: { id: `28:${sandbox.context.seed.bot.appId}` },
        conversation: { id: personal, tenantId: fabrikam().id, conversationType: 'personal' },
        channelData: { tenant: { id: fabrikam().id } },
      },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(200);
    const answers = (await feed(sandbox)).slice(before);
    expect(answers).toHaveLength(1);
    expect(cardText(answers[0])).toContain('not set up for your organisation');
    expect(cardText(answers[0])).not.toContain('AADSTS7000229');
    expect(cardText(answers[0])).not.toContain('Failing');

    // Tenant claims that disagree (conversation says Contoso, channelData says Fabrikam): no tenant at all.
    before = (await feed(sandbox)).length;
    await httpsJson(
      sandbox.agent,
      harness.endpoint,
      'POST',
      {
        type: 'message',
        id: '100',
        text: 'status',
        channelId: 'msteams',
        serviceUrl,
        from: { id: '29:1stranger' },
        recipient: { id: `28:${sandbox.context.seed.bot.appId}` },
        conversation: { id: personal, tenantId: contoso().id, conversationType: 'personal' },
        channelData: { tenant: { id: fabrikam().id } },
      },
      { authorization: `Bearer ${token}` },
    );
    const mixed = (await feed(sandbox)).slice(before);
    expect(cardText(mixed[0])).toContain('not set up for your organisation');
  });

  it('check runs the checks now for the conversation’s tenant and answers with the status card', async () => {
    const before = (await feed(sandbox)).length;
    await say(personal, 'admin@contoso.com', 'check');
    expect(harness.checkNowCalls).toEqual([contoso().id]);
    const answers = (await feed(sandbox)).slice(before);
    expect(answers.map((a) => a.activity.type)).toEqual(['typing', 'message']);
    expect(cardText(answers[1])).toContain('The Exchange connection is failing');
  });

  it('"Check again" (Action.Execute) runs the checks and answers the invoke with a refreshed card', async () => {
    // A minute after the `check` above: one check per minute per conversation.
    harness.clock.advance(CHECK_INTERVAL_MS);
    const res = await sandbox.control<ChannelDelivery>('POST', '/connector/card-actions', {
      conversationId: personal,
      upn: 'admin@contoso.com',
      kind: 'execute',
      verb: 'checkAgain',
      data: {},
    });
    expect(res.body.botStatus).toBe(200);
    expect(res.body.botResponse).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard', version: '1.5' },
    });
    expect(JSON.stringify(res.body.botResponse)).toContain('The Exchange connection is failing');
    expect(harness.checkNowCalls).toHaveLength(2);
  });

  it('mute 24h mutes this conversation only; unmute lifts it', async () => {
    const now = harness.clock.now().getTime();
    let before = (await feed(sandbox)).length;
    await say(personal, 'admin@contoso.com', 'mute 24h');
    expect((await feed(sandbox)).slice(before)[0]?.activity.text).toMatch(
      /^Muted: no alerts in this conversation until/,
    );
    const muted = await harness.store.getConversationSubscription(contoso().id, personal);
    expect(Date.parse(muted!.mutedUntil!) - now).toBeGreaterThanOrEqual(24 * 3600_000 - 60_000);
    expect(Date.parse(muted!.mutedUntil!) - now).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    const others = (await harness.store.listConversationSubscriptions(contoso().id)).filter(
      (s) => s.conversationId !== personal,
    );
    expect(others.every((s) => s.mutedUntil === undefined)).toBe(true);

    before = (await feed(sandbox)).length;
    await say(personal, 'admin@contoso.com', 'mute 30d');
    expect(cardText((await feed(sandbox)).slice(before)[0])).toContain('1 minute up to 7 days');

    await say(personal, 'admin@contoso.com', 'unmute');
    expect(
      (await harness.store.getConversationSubscription(contoso().id, personal))?.mutedUntil,
    ).toBeUndefined();
  });

  it('uninstall unsubscribes the conversation (and a reinstall subscribes and greets again)', async () => {
    const team = await install('admin@fabrikam.com', 'team', 'Ops');
    const res = await sandbox.control<ChannelDelivery>('POST', '/connector/uninstall', {
      conversationId: team.body.conversationId,
    });
    expect(res.body.deliveries.map((d) => d.activityType)).toEqual([
      'installationUpdate',
      'conversationUpdate',
    ]);
    const removed = await harness.store.getConversationSubscription(fabrikam().id, team.body.conversationId);
    expect(removed?.removedAt).toBeDefined();
    expect(
      (await harness.store.listConversationSubscriptions(fabrikam().id)).map((s) => s.conversationId),
    ).not.toContain(team.body.conversationId);
    const before = (await feed(sandbox)).length;
    await install('admin@fabrikam.com', 'team', 'Ops');
    expect(
      (await harness.store.getConversationSubscription(fabrikam().id, team.body.conversationId))?.removedAt,
    ).toBeUndefined();
    expect(
      (await feed(sandbox)).slice(before).filter((e) => e.conversationId === team.body.conversationId),
    ).toHaveLength(1);
  });
});
