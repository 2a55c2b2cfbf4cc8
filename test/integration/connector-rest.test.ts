/**
 * The sandbox Bot Framework connector as a bot sees it, driven by botbuilder's own
 * ConnectorClient: authentication, Teams' rate limits on a frozen clock, the roster after
 * removal, creating 1:1 chats, updates, injected faults, and the feed the Teams host shows.
 */
import { ConnectorClient, TokenCredentials } from 'botframework-connector';
import type { ConversationParameters } from 'botbuilder';
import { injectFaultOnce } from '../support/faults';
import { startTestSandbox, httpsJson, type TestSandbox } from '../support/sandbox';
import { botFrameworkToken } from '../support/bot-tokens';
import { RESOURCES } from '../../sandbox/src/access-tokens';
import type { FaultRuleInput } from '../../sandbox/src/faults';

interface Delivery {
  conversationId: string;
  botStatus: number;
}
interface FeedEntry {
  seq: number;
  conversationId: string;
  operation: string;
  activity: { id: string; type: string; text?: string; replyToId?: string };
}

/** What botframework-connector throws for a non-2xx answer. */
interface ConnectorRestError {
  statusCode: number;
  code?: string;
  message: string;
  response?: { headers: { get(name: string): string | undefined }; bodyAsText?: string };
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorRestError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorRestError;
  }
  throw new Error('expected the connector to refuse the request');
}

// Real sockets, TLS and RSA on a shared 2-core machine: generous, and never an assertion on time.
jest.setTimeout(60_000);

describe('sandbox Bot Framework connector (bot → connector)', () => {
  let sandbox: TestSandbox;
  let clock = Date.now();
  let client: ConnectorClient;
  let serviceUrl: string;
  let token: string;
  const alexUpn = 'alex@contoso.com';

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: () => clock });
    serviceUrl = `${sandbox.urls.connector}/teams/`;
    // Nobody listens here: installs still change the roster; delivery failures are reported, not thrown.
    await sandbox.control('PUT', '/connector/bot-endpoint', { url: 'https://127.0.0.1:9/api/messages' });
    token = await botFrameworkToken(sandbox.context);
    client = new ConnectorClient(new TokenCredentials(token), { baseUri: serviceUrl });
  });
  afterAll(() => sandbox.close());

  async function installPersonal(upn: string): Promise<string> {
    const res = await sandbox.control<Delivery>('POST', '/connector/install', { upn, scope: 'personal' });
    expect(res.status).toBe(200);
    return res.body.conversationId;
  }

  const message = (text: string) => ({ type: 'message', text });
  /** The next sendToConversation (and only it) meets `fault`. */
  const sendFaultOnce = (fault: Omit<FaultRuleInput, 'service' | 'operation' | 'count'>) =>
    injectFaultOnce(sandbox, { service: 'connector', operation: 'sendToConversation', ...fault });

  it('accepts a message from our bot into an installed conversation and records it in the feed', async () => {
    const conversationId = await installPersonal('admin@contoso.com');
    const sent = await client.conversations.sendToConversation(conversationId, message('hello admins'));
    expect(sent.id).toMatch(/^\d+$/);
    const feed = await sandbox.control<{ value: FeedEntry[] }>('GET', '/connector/activities?since=0');
    const entry = feed.body.value.find((e) => e.activity.id === sent.id);
    expect(entry).toMatchObject({
      conversationId,
      operation: 'send',
      activity: { type: 'message', text: 'hello admins' },
    });
    const later = await sandbox.control<{ value: FeedEntry[] }>(
      'GET',
      `/connector/activities?since=${entry!.seq}`,
    );
    expect(later.body.value.some((e) => e.seq <= entry!.seq)).toBe(false);
  });

  it.each([
    ['no token', undefined],
    ['a token for another app', { appId: '52c54a6a-55a3-4c79-a19b-df6eae6b8dda' }],
    ['a token from another tenant', { tenantId: '03017f7d-a934-418b-85f8-86d47d2aa0d0' }],
    ['a token for another resource', { resource: RESOURCES.exchange }],
  ] as const)('answers 401 "Authorization has been denied" to %s', async (_name, overrides) => {
    const conversationId = await installPersonal(alexUpn);
    const headers: Record<string, string> = overrides
      ? { authorization: `Bearer ${await botFrameworkToken(sandbox.context, overrides)}` }
      : {};
    const res = await httpsJson<{ message: string }>(
      sandbox.agent,
      `${serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`,
      'POST',
      message('hi'),
      headers,
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Authorization has been denied for this request.' });
  });

  /** One raw send, so every 429 is seen as the connector answered it (botbuilder would retry it). */
  async function rawSend(conversationId: string, text: string) {
    return httpsJson<{ id?: string; error?: { code: string; message: string } }>(
      sandbox.agent,
      `${serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`,
      'POST',
      message(text),
      { authorization: `Bearer ${token}` },
    );
  }
  const burst = (conversationId: string, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => rawSend(conversationId, `#${i}`)));
  const accepted = (answers: { status: number }[]) => answers.filter((a) => a.status === 201).length;

  it('throttles a burst to one conversation at 7 per second and 8 per 2 seconds, with Retry-After', async () => {
    const busy = await installPersonal('admin.nomailbox@contoso.com');
    const quiet = await installPersonal(alexUpn);
    clock += 60_000;

    const first = await burst(busy, 10);
    expect(accepted(first)).toBe(7);
    const refused = first.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(3);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body).toEqual({ error: { code: 'Throttled', message: 'Too many requests.' } });
    }
    // Another conversation of the same bot has its own windows.
    expect((await rawSend(quiet, 'unaffected')).status).toBe(201);

    clock += 1000; // the 1 s window is free again; the 2 s window holds 7 of 8
    const second = await burst(busy, 3);
    expect(accepted(second)).toBe(1);
    expect(second.find((a) => a.status === 429)?.headers['retry-after']).toBe('1');

    clock += 1000; // the first 7 slide out of the 2 s window
    expect(accepted(await burst(busy, 8))).toBe(7);
  });

  it('enforces 60 per 30 seconds on one conversation', async () => {
    const conversationId = await installPersonal('admin@fabrikam.com');
    clock += 60_000;
    let total = 0;
    for (let step = 0; step < 10; step += 1) {
      total += accepted(await burst(conversationId, 7));
      clock += 2000; // 7 per 2 s stays inside the short windows; only the 30 s window can refuse
    }
    expect(total).toBe(60);
    const refused = await rawSend(conversationId, 'one too many');
    expect(refused.status).toBe(429);
    // The oldest of the 60 leaves the 30 s window 30 s after it was sent, 20 s ago.
    expect(refused.headers['retry-after']).toBe('10');
  });

  it('caps one app at 50 requests per second per tenant across conversations', async () => {
    const teams: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const res = await sandbox.control<Delivery>('POST', '/connector/install', {
        upn: alexUpn,
        scope: 'team',
        teamName: `Team ${i}`,
      });
      teams.push(res.body.conversationId);
    }
    clock += 60_000;
    const answers = (await Promise.all(teams.map((id) => burst(id, 7)))).flat();
    expect(accepted(answers)).toBe(50);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(6);
    // Another tenant is not affected.
    expect((await rawSend(await installPersonal('lee@fabrikam.com'), 'other tenant')).status).toBe(201);
  });

  it("lets botbuilder's ConnectorClient retry a throttled send by itself, honouring Retry-After", async () => {
    clock += 60_000;
    const conversationId = await installPersonal(alexUpn);
    await sendFaultOnce({ kind: 'throttle', ms: 200 });
    const sent = await client.conversations.sendToConversation(conversationId, message('after one 429'));
    expect(sent.id).toMatch(/^\d+$/);
    expect(sandbox.context.faults.list()).toHaveLength(0);
  });

  it('refuses with 403 BotNotInConversationRoster once the bot is removed', async () => {
    const conversationId = await installPersonal('lee@fabrikam.com');
    clock += 60_000;
    await client.conversations.sendToConversation(conversationId, message('before removal'));
    const removed = await sandbox.control('POST', '/connector/uninstall', { conversationId });
    expect(removed.status).toBe(200);
    const error = await failureOf(
      client.conversations.sendToConversation(conversationId, message('after removal')),
    );
    expect(error.statusCode).toBe(403);
    expect(JSON.parse(error.response?.bodyAsText ?? '{}')).toEqual({
      error: {
        code: 'BotNotInConversationRoster',
        message: 'The bot is not part of the conversation roster.',
      },
    });
    const unknown = await failureOf(client.conversations.sendToConversation('a:1nothing', message('x')));
    expect(unknown.statusCode).toBe(404);
  });

  it('creates the same 1:1 chat for a user every time, and only where the bot is installed', async () => {
    clock += 60_000;
    const contoso = sandbox.context.seed.tenants[0]!;
    const alex = contoso.users.find((u) => u.upn === alexUpn)!;
    const installed = await installPersonal(alexUpn);
    const params: ConversationParameters = {
      isGroup: false,
      bot: { id: `28:${sandbox.context.seed.bot.appId}`, name: sandbox.context.seed.bot.displayName },
      members: [{ id: `8:orgid:${alex.id}`, name: '' }],
      tenantId: contoso.id,
      channelData: { tenant: { id: contoso.id } },
    };
    const first = await client.conversations.createConversation(params);
    const second = await client.conversations.createConversation({
      ...params,
      members: [{ id: '', name: '', aadObjectId: alex.id }],
    });
    expect(first.id).toBe(installed);
    expect(second.id).toBe(installed);

    const fabrikam = sandbox.context.seed.tenants[1]!;
    const notInstalled = fabrikam.users.find((u) => u.upn === 'svc-ews@fabrikam.com')!;
    const refused = await failureOf(
      client.conversations.createConversation({
        ...params,
        members: [{ id: `8:orgid:${notInstalled.id}`, name: '' }],
        tenantId: fabrikam.id,
        channelData: { tenant: { id: fabrikam.id } },
      }),
    );
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.response?.bodyAsText ?? '{}').error.code).toBe('ForbiddenOperationException');
    const group = await failureOf(client.conversations.createConversation({ ...params, isGroup: true }));
    expect(group.statusCode).toBe(400);
  });

  it('updates a message the bot sent, and 404s an unknown one', async () => {
    clock += 60_000;
    const conversationId = await installPersonal(alexUpn);
    const sent = await client.conversations.sendToConversation(conversationId, message('v1'));
    const updated = await client.conversations.updateActivity(conversationId, sent.id, {
      ...message('v2'),
      id: sent.id,
    });
    expect(updated.id).toBe(sent.id);
    const feed = await sandbox.control<{ value: FeedEntry[] }>('GET', '/connector/activities');
    expect(
      feed.body.value.filter((e) => e.activity.id === sent.id).map((e) => [e.operation, e.activity.text]),
    ).toEqual([
      ['send', 'v1'],
      ['update', 'v2'],
    ]);
    const missing = await failureOf(client.conversations.updateActivity(conversationId, '42', message('v3')));
    expect(missing.statusCode).toBe(404);
    const members = await client.conversations.getConversationMembers(conversationId);
    expect(members).toEqual([
      expect.objectContaining({ aadObjectId: expect.any(String), userPrincipalName: alexUpn }),
    ]);
  });

  it('injects throttling and 5xx per route', async () => {
    clock += 60_000;
    const conversationId = await installPersonal(alexUpn);
    await sendFaultOnce({ kind: 'throttle', ms: 1500 });
    const throttled = await rawSend(conversationId, 'x');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');

    await sendFaultOnce({ kind: 'http5xx', status: 502 });
    const failed = await rawSend(conversationId, 'x');
    expect(failed.status).toBe(502);
    expect(failed.body.error?.code).toBe('ServiceError');
    await sendFaultOnce({ kind: 'http5xx', status: 504 });
    expect((await rawSend(conversationId, 'x')).status).toBe(504);
    expect((await rawSend(conversationId, 'x')).status).toBe(201);
  });

  it('injects latency, time-outs and malformed answers', async () => {
    clock += 60_000;
    const conversationId = await installPersonal(alexUpn);
    await sendFaultOnce({ kind: 'malformed' });
    const malformed = await rawSend(conversationId, 'x');
    expect(malformed.status).toBe(200);
    expect(malformed.body).toBe('{"id":"');

    await sendFaultOnce({ kind: 'timeout', ms: 50 });
    await expect(rawSend(conversationId, 'x')).rejects.toThrow(/socket hang up|ECONNRESET/);

    await sendFaultOnce({ kind: 'latency', ms: 50 });
    expect((await rawSend(conversationId, 'slow but fine')).status).toBe(201);
    expect(sandbox.context.faults.list()).toHaveLength(0);
  });
});
