/**
 * The sandbox Teams channel → a real botbuilder CloudAdapter bot over HTTPS: install events,
 * messages and card actions arrive signed as Teams signs them and pass botbuilder's own token
 * validation; forged ones do not; the bot's proactive messages come back through the sandbox
 * connector with a certificate token from the sandbox Entra ID.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { ActivityTypes, TurnContext, type ConversationReference } from 'botbuilder';
import { startTestSandbox, httpsJson, type TestSandbox } from '../support/sandbox';
import { startTestBot, type TestBot } from '../support/teams-bot';
import { channelSigner } from '../../sandbox/src/connector/channel-signer';

interface Delivery {
  conversationId: string;
  botStatus: number;
  botResponse?: unknown;
  deliveries: { activityType: string; status: number; error?: string }[];
}
interface FeedEntry {
  conversationId: string;
  operation: string;
  activity: { id: string; type: string; text?: string };
}

// Real sockets, TLS and RSA on a shared 2-core machine: generous, and never an assertion on time.
jest.setTimeout(60_000);

describe('sandbox Teams channel → botbuilder CloudAdapter', () => {
  let sandbox: TestSandbox;
  let bot: TestBot;
  const botReplies = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    bot = await startTestBot(sandbox, async (turn) => {
      const { activity } = turn;
      if (activity.type === ActivityTypes.Invoke && activity.name === 'adaptiveCard/action') {
        const value = activity.value as { action: { verb?: string; data: unknown } };
        await turn.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: {
            status: 200,
            body: {
              statusCode: 200,
              type: 'application/vnd.microsoft.activity.message',
              value: `did ${value.action.verb}`,
            },
          },
        });
      }
      if (activity.type === ActivityTypes.Message && activity.text) {
        // On a copy: removeRecipientMention rewrites the activity's text in place.
        const text = TurnContext.removeRecipientMention({ ...activity })?.trim() ?? '';
        const reply = botReplies.get(text);
        if (reply) await turn.sendActivity(reply);
      }
    });
    const set = await sandbox.control('PUT', '/connector/bot-endpoint', { url: bot.endpoint });
    expect(set.status).toBe(200);
  });
  afterAll(async () => {
    await bot.close();
    await sandbox.close();
  });

  const quietly = () => jest.spyOn(console, 'error').mockImplementation(() => {});

  it('installs the bot for a user: installationUpdate then conversationUpdate pass real token validation', async () => {
    const before = bot.received.length;
    const res = await sandbox.control<Delivery>('POST', '/connector/install', {
      upn: 'admin@contoso.com',
      scope: 'personal',
    });
    expect(res.status).toBe(200);
    expect(res.body.deliveries.map((d) => [d.activityType, d.status])).toEqual([
      ['installationUpdate', 200],
      ['conversationUpdate', 200],
    ]);
    const [installation, update] = bot.received.slice(before);
    const contoso = sandbox.context.seed.tenants[0]!;
    const admin = contoso.users[0]!;
    expect(installation).toMatchObject({
      type: 'installationUpdate',
      action: 'add',
      channelId: 'msteams',
      serviceUrl: `${sandbox.urls.connector}/teams/`,
      from: { aadObjectId: admin.id, name: admin.displayName },
      recipient: { id: `28:${sandbox.context.seed.bot.appId}` },
      conversation: { id: res.body.conversationId, conversationType: 'personal', tenantId: contoso.id },
      channelData: { tenant: { id: contoso.id } },
    });
    expect(installation?.from?.id).toMatch(/^29:1/);
    expect(res.body.conversationId).toMatch(/^a:1/);
    expect(update).toMatchObject({
      type: 'conversationUpdate',
      membersAdded: [{ id: `28:${sandbox.context.seed.bot.appId}` }],
    });
  });

  it('installs the bot in a team: channel conversation with team channelData', async () => {
    const before = bot.received.length;
    const res = await sandbox.control<Delivery>('POST', '/connector/install', {
      upn: 'admin@fabrikam.com',
      scope: 'team',
      teamName: 'IT',
    });
    expect(res.body.botStatus).toBe(200);
    const update = bot.received.slice(before).find((a) => a.type === 'conversationUpdate');
    expect(res.body.conversationId).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
    expect(update).toMatchObject({
      conversation: { id: res.body.conversationId, conversationType: 'channel', isGroup: true },
      channelData: { team: { id: res.body.conversationId, name: 'IT' }, eventType: 'teamMemberAdded' },
    });
  });

  it('delivers user messages (with the @mention in channels) and the bot replies through the connector', async () => {
    botReplies.set('help', 'Here is what I can do');
    const team = await sandbox.control<Delivery>('POST', '/connector/install', {
      upn: 'admin@contoso.com',
      scope: 'team',
      teamName: 'Ops',
    });
    const res = await sandbox.control<Delivery>('POST', '/connector/messages', {
      conversationId: team.body.conversationId,
      upn: 'alex@contoso.com',
      text: 'help',
    });
    expect(res.body.botStatus).toBe(200);
    expect(bot.received.at(-1)).toMatchObject({
      type: 'message',
      text: '<at>Exchange Connect alerts</at> help',
    });
    const feed = await sandbox.control<{ value: FeedEntry[] }>('GET', '/connector/activities');
    expect(feed.body.value.at(-1)).toMatchObject({
      conversationId: team.body.conversationId,
      operation: 'reply',
      activity: { type: 'message', text: 'Here is what I can do' },
    });
  });

  it('delivers Action.Execute as adaptiveCard/action invoke (its response comes back) and Action.Submit as a message value', async () => {
    const personal = await sandbox.control<Delivery>('POST', '/connector/install', {
      upn: 'alex@contoso.com',
      scope: 'personal',
    });
    const conversationId = personal.body.conversationId;
    const execute = await sandbox.control<Delivery>('POST', '/connector/card-actions', {
      conversationId,
      upn: 'alex@contoso.com',
      kind: 'execute',
      verb: 'checkAgain',
      data: { integrationId: 'i-1' },
    });
    expect(execute.body.botStatus).toBe(200);
    expect(execute.body.botResponse).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'did checkAgain',
    });
    expect(bot.received.at(-1)).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: {
        action: { type: 'Action.Execute', verb: 'checkAgain', data: { integrationId: 'i-1' } },
        trigger: 'manual',
      },
    });
    const submit = await sandbox.control<Delivery>('POST', '/connector/card-actions', {
      conversationId,
      upn: 'alex@contoso.com',
      kind: 'submit',
      data: { mute: '24h' },
    });
    expect(submit.body.botStatus).toBe(200);
    expect(bot.received.at(-1)).toMatchObject({ type: 'message', value: { mute: '24h' } });
    const stranger = await sandbox.control<{ code: string }>('POST', '/connector/messages', {
      conversationId,
      upn: 'lee@fabrikam.com',
      text: 'hi',
    });
    expect(stranger.status).toBe(403);
  });

  describe('botbuilder refuses activities the channel did not sign for this bot', () => {
    const contoso = () => sandbox.context.seed.tenants[0]!;
    const activity = () => ({
      type: 'message',
      id: '1',
      text: 'forged',
      channelId: 'msteams',
      serviceUrl: `${sandbox.urls.connector}/teams/`,
      from: { id: '29:1x' },
      recipient: { id: `28:${sandbox.context.seed.bot.appId}` },
      conversation: { id: 'a:1x', tenantId: contoso().id },
    });
    const post = (headers: Record<string, string>, body: object = activity()) =>
      httpsJson<string>(sandbox.agent, bot.endpoint, 'POST', body, headers);
    const signed = async (
      claims: { aud?: string; serviceurl?: string },
      key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
      kid?: string,
    ) => {
      const real = await channelSigner(sandbox.context);
      if (!key)
        return real.sign({
          botAppId: claims.aud ?? sandbox.context.seed.bot.appId,
          serviceUrl: claims.serviceurl ?? activity().serviceUrl,
          nowMs: Date.now(),
        });
      return new SignJWT({ serviceurl: claims.serviceurl ?? activity().serviceUrl })
        .setProtectedHeader({ alg: 'RS256', kid: kid ?? real.kid })
        .setIssuer('https://api.botframework.com')
        .setAudience(claims.aud ?? sandbox.context.seed.bot.appId)
        .setNotBefore('0s')
        .setExpirationTime('1h')
        .sign(key);
    };

    it('accepts the genuine token (control case)', async () => {
      const res = await post({ authorization: `Bearer ${await signed({})}` });
      expect(res.status).toBe(200);
    });

    it.each([
      ['no Authorization header', async () => ({})],
      [
        'a token for another bot',
        async () => ({
          authorization: `Bearer ${await signed({ aud: '52c54a6a-55a3-4c79-a19b-df6eae6b8dda' })}`,
        }),
      ],
      [
        'a token for another serviceUrl',
        async () => ({
          authorization: `Bearer ${await signed({ serviceurl: 'https://smba.trafficmanager.net/teams/' })}`,
        }),
      ],
      [
        'a token signed by an unknown key',
        async () => ({
          authorization: `Bearer ${await signed({}, (await generateKeyPair('RS256')).privateKey, 'unknown-key')}`,
        }),
      ],
    ])('401 for %s', async (_name, headers) => {
      const spy = quietly();
      const before = bot.received.length;
      const res = await post(await headers());
      spy.mockRestore();
      expect(res.status).toBe(401);
      expect(bot.received.length).toBe(before);
    });

    it('rejects a token forged with the real key id (botbuilder 4.23.3 answers 500, not 401)', async () => {
      const spy = quietly();
      const before = bot.received.length;
      const res = await post({
        authorization: `Bearer ${await signed({}, (await generateKeyPair('RS256')).privateKey)}`,
      });
      spy.mockRestore();
      expect(res.status).toBe(500);
      expect(bot.received.length).toBe(before);
    });
  });

  it('sends a proactive message with continueConversationAsync and a certificate token from the sandbox Entra ID', async () => {
    const install = await sandbox.control<Delivery>('POST', '/connector/install', {
      upn: 'admin@fabrikam.com',
      scope: 'personal',
    });
    const installation = bot.received.filter((a) => a.type === 'installationUpdate').at(-1)!;
    expect(installation.conversation?.id).toBe(install.body.conversationId);
    const reference = TurnContext.getConversationReference(installation) as ConversationReference;
    await bot.adapter.continueConversationAsync(sandbox.context.seed.bot.appId, reference, async (turn) => {
      await turn.sendActivity('Exchange connection is failing');
    });
    const feed = await sandbox.control<{ value: FeedEntry[] }>('GET', '/connector/activities');
    expect(feed.body.value.at(-1)).toMatchObject({
      conversationId: install.body.conversationId,
      activity: { type: 'message', text: 'Exchange connection is failing' },
    });

    await sandbox.control('POST', '/connector/uninstall', { conversationId: install.body.conversationId });
    expect(bot.received.at(-1)).toMatchObject({ type: 'installationUpdate', action: 'remove' });
    await expect(
      bot.adapter.continueConversationAsync(sandbox.context.seed.bot.appId, reference, async (turn) => {
        await turn.sendActivity('nobody hears this');
      }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'BotNotInConversationRoster' });
  });
});
