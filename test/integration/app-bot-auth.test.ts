/**
 * The production bot endpoint (`/api/messages` of the composed app: createBot with the
 * certificate settings the server builds from its configuration, not a test copy) refuses every
 * activity the channel did not sign for this bot, and answers none of them: nothing reaches the
 * connector. The control case, the channel's genuine delivery, is answered.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { channelSigner } from '../../sandbox/src/connector/channel-signer';
import { serviceUrl, userMri } from '../../sandbox/src/connector/identities';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { httpsJson } from '../support/sandbox';

let env: AppUnderTest;
let conversationId: string;
const ADMIN = 'admin@contoso.com';

const feed = async () =>
  (await env.sandbox.control<{ value: { conversationId: string }[] }>('GET', '/connector/activities')).body
    .value;

beforeAll(async () => {
  env = await startAppUnderTest();
  const installed = await env.sandbox.control<{ conversationId: string }>('POST', '/connector/install', {
    upn: ADMIN,
    scope: 'personal',
  });
  conversationId = installed.body.conversationId;
});
afterAll(() => env.close());

// botbuilder logs its refusals with console.error; they are expected here.
beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => {}));
afterEach(() => jest.restoreAllMocks());

describe('the production bot endpoint', () => {
  const botAppId = () => env.sandbox.context.seed.bot.appId;
  const contoso = () => env.sandbox.context.seed.tenants[0]!;
  const admin = () => contoso().users.find((u) => u.upn === ADMIN)!;
  const activity = () => ({
    type: 'message',
    id: `forged-${Date.now()}`,
    text: 'help',
    channelId: 'msteams',
    serviceUrl: serviceUrl(env.sandbox.context),
    from: { id: userMri(botAppId(), admin().id), aadObjectId: admin().id },
    recipient: { id: `28:${botAppId()}` },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: contoso().id },
    channelData: { tenant: { id: contoso().id } },
  });
  const post = (headers: Record<string, string>) =>
    httpsJson<unknown>(env.sandbox.agent, `${env.appUrl}/api/messages`, 'POST', activity(), headers);
  type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const token = async (
    claims: { aud?: string; serviceurl?: string } = {},
    key?: PrivateKey,
    kid?: string,
  ) => {
    const real = await channelSigner(env.sandbox.context);
    if (!key)
      return real.sign({
        botAppId: claims.aud ?? botAppId(),
        serviceUrl: claims.serviceurl ?? activity().serviceUrl,
        nowMs: Date.now(),
      });
    return new SignJWT({ serviceurl: claims.serviceurl ?? activity().serviceUrl })
      .setProtectedHeader({ alg: 'RS256', kid: kid ?? real.kid })
      .setIssuer('https://api.botframework.com')
      .setAudience(claims.aud ?? botAppId())
      .setNotBefore('0s')
      .setExpirationTime('1h')
      .sign(key);
  };

  it('answers the channel’s genuine delivery (the control case: a reply reaches the connector)', async () => {
    const before = (await feed()).length;
    const delivered = await env.sandbox.control<{ botStatus: number }>('POST', '/connector/messages', {
      conversationId,
      upn: ADMIN,
      text: 'help',
    });
    expect(delivered.body.botStatus).toBe(200);
    expect((await feed()).length).toBeGreaterThan(before);
    // A request signed like the channel's, posted directly, is accepted and answered too.
    const answered = (await feed()).length;
    const direct = await post({ authorization: `Bearer ${await token()}` });
    expect(direct.status).toBe(200);
    expect((await feed()).length).toBeGreaterThan(answered);
  });

  it.each([
    ['no Authorization header (unsigned)', 401, async () => ({})],
    [
      'a token for another bot (wrong audience)',
      401,
      async () => ({
        authorization: `Bearer ${await token({ aud: '52c54a6a-55a3-4c79-a19b-df6eae6b8dda' })}`,
      }),
    ],
    [
      'a token for another serviceUrl',
      401,
      async () => ({
        authorization: `Bearer ${await token({ serviceurl: 'https://smba.trafficmanager.net/teams/' })}`,
      }),
    ],
    [
      'a token signed by an unknown key',
      401,
      async () => ({
        authorization: `Bearer ${await token({}, (await generateKeyPair('RS256')).privateKey, 'unknown-key')}`,
      }),
    ],
    // botbuilder 4.23.3 answers a signature that fails under a known kid with 500, not 401.
    [
      'a token forged with the real key id',
      500,
      async () => ({
        authorization: `Bearer ${await token({}, (await generateKeyPair('RS256')).privateKey)}`,
      }),
    ],
    ['a token that is not a JWT', 401, async () => ({ authorization: 'Bearer not-a-token' })],
  ])('refuses %s (%i), and sends no reply', async (_case, status, headers) => {
    const before = (await feed()).length;
    const res = await post(await headers());
    expect(res.status).toBe(status);
    expect((await feed()).length).toBe(before);
  });
});
