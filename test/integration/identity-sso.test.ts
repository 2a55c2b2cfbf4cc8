/**
 * JoseSsoTokenValidator against the sandbox Entra ID's keys over HTTPS: the Teams SSO token of a
 * Global Administrator and of a user, then every rejection with the reason the HTTP layer maps to
 * 401. Bad tokens are signed by the sandbox's own key (or a forged one) so only one rule breaks.
 */
import { randomUUID } from 'node:crypto';
import type { INetworkModule } from '@azure/msal-node';
import { SignJWT, decodeJwt, generateKeyPair, type JWTPayload } from 'jose';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import { SsoTokenError, type SsoTokenReason } from '../../api/src/identity/errors';
import { ExchangeConnectError } from '../../api/src/errors';
import https from 'node:https';
import { createMsalNetworkClient } from '../../api/src/identity/network-client';
import { testPolicy } from '../support/outbound';
import {
  JoseSsoTokenValidator,
  ssoValidatorOptions,
  type SsoValidatorOptions,
} from '../../api/src/identity/sso-validator';
import { rejectedWith } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

let sandbox: TestSandbox;
let agent: https.Agent;
let contoso: string;
let fabrikam: string;
let appId: string;
let keyRequests: string[];
let transport: INetworkModule;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  agent = new https.Agent({ ca: sandbox.certs.caCertPem, keepAlive: true });
  contoso = sandbox.context.seed.tenants[0]!.id;
  fabrikam = sandbox.context.seed.tenants[1]!.id;
  appId = sandbox.context.seed.app.clientId;
});
afterAll(async () => {
  agent.destroy();
  await sandbox.close();
});

afterEach(() => jest.useRealTimers());

beforeEach(() => {
  keyRequests = [];
  const base = createMsalNetworkClient(testPolicy({ caPem: sandbox.certs.caCertPem }));
  transport = {
    sendGetRequestAsync: (url, options, timeout) => {
      keyRequests.push(url);
      return base.sendGetRequestAsync(url, options, timeout);
    },
    sendPostRequestAsync: (url, options) => base.sendPostRequestAsync(url, options),
  };
});

const validator = (options: Partial<SsoValidatorOptions> = {}) =>
  new JoseSsoTokenValidator({
    authorityHost: sandbox.urls.entra,
    clientId: appId,
    policy: testPolicy({ caPem: sandbox.certs.caCertPem }),
    transport,
    ...options,
  });

/** The admin's real SSO claims with some changed, re-signed by the sandbox Entra key. */
async function resigned(change: (claims: JWTPayload) => JWTPayload, nowMs = Date.now()): Promise<string> {
  const {
    iat: _iat,
    nbf: _nbf,
    exp: _exp,
    uti: _uti,
    ...claims
  } = decodeJwt(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
  return sandbox.context.tokens.sign(change(claims), 3600, nowMs);
}

async function rejection(promise: Promise<unknown>, reason: SsoTokenReason): Promise<SsoTokenError> {
  const error = await rejectedWith(promise, SsoTokenError);
  expect(error.reason).toBe(reason);
  return error;
}

describe('valid Teams SSO tokens', () => {
  it('admin@contoso.com is a Global Administrator of Contoso', async () => {
    const admin = sandbox.context.seed.tenants[0]!.users.find((u) => u.upn === 'admin@contoso.com')!;
    const user = await validator().validate(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    expect(user).toEqual({
      tenantId: contoso,
      oid: admin.id,
      upn: 'admin@contoso.com',
      name: admin.displayName,
      isGlobalAdmin: true,
    });
    expect(keyRequests).toEqual([`${sandbox.urls.entra}/${contoso}/discovery/v2.0/keys`]);
  });

  it('alex@contoso.com is not', async () => {
    const user = await validator().validate(await issueSsoToken(sandbox.context, 'alex@contoso.com'));
    expect(user).toMatchObject({ tenantId: contoso, upn: 'alex@contoso.com', isGlobalAdmin: false });
  });

  it('accepts the Application ID URI audience built from the public URL', async () => {
    const options = ssoValidatorOptions(
      { authorityHost: sandbox.urls.entra, clientId: appId, publicUrl: 'https://tab.example.com' },
      testPolicy({ caPem: sandbox.certs.caCertPem }),
    );
    expect(options.applicationIdUri).toBe(`api://tab.example.com/${appId}`);
    const token = await resigned((c) => ({ ...c, aud: `api://tab.example.com/${appId}` }));
    await expect(validator(options).validate(token)).resolves.toMatchObject({ upn: 'admin@contoso.com' });
    await rejection(validator().validate(token), 'audience');
  });

  it('keeps each tenant’s keys: one download for many tokens, one per tenant', async () => {
    const v = validator();
    for (const upn of ['admin@contoso.com', 'alex@contoso.com', 'admin@contoso.com']) {
      await v.validate(await issueSsoToken(sandbox.context, upn));
    }
    await v.validate(await issueSsoToken(sandbox.context, 'admin@fabrikam.com'));
    expect(keyRequests).toEqual([
      `${sandbox.urls.entra}/${contoso}/discovery/v2.0/keys`,
      `${sandbox.urls.entra}/${fabrikam}/discovery/v2.0/keys`,
    ]);
  });

  it('downloads again after the TTL, and early for an unknown kid at most once per interval (faked Date)', async () => {
    // jose's remote key set ages its cache by Date.now(): fake the date only, never the timers
    // the sockets need.
    let now = Date.now();
    jest.useFakeTimers({
      now,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const at = (ms: number) => {
      now = ms;
      jest.setSystemTime(ms);
    };
    const v = validator({ now: () => now, jwks: { ttlMs: 60 * 60_000, minRefreshMs: 5 * 60_000 } });
    const token = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    await v.validate(token);

    const { privateKey } = await generateKeyPair('RS256');
    const unknownKid = (kid: string) =>
      new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    await rejection(v.validate(await unknownKid('rolled-1')), 'signature');
    expect(keyRequests).toHaveLength(1);

    at(now + 5 * 60_000);
    await rejection(v.validate(await unknownKid('rolled-2')), 'signature');
    await rejection(v.validate(await unknownKid('rolled-3')), 'signature');
    expect(keyRequests).toHaveLength(2);

    at(now + 60 * 60_000);
    await v.validate(await resigned((c) => c, now));
    expect(keyRequests).toHaveLength(3);
  });
});

describe('rejected tokens (401)', () => {
  it('no token → missing; not a JWT → malformed', async () => {
    await rejection(validator().validate(''), 'missing');
    await rejection(validator().validate('not.a.jwt'), 'malformed');
    expect(keyRequests).toEqual([]);
  });

  it('a forged signature (another key under the sandbox key’s kid) → signature', async () => {
    const real = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(real))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: sandbox.context.tokens.kid })
      .sign(privateKey);
    await rejection(validator().validate(forged), 'signature');
  });

  it('the payload of one user under the signature of another → signature', async () => {
    const [header, , signature] = (await issueSsoToken(sandbox.context, 'alex@contoso.com')).split('.');
    const [, adminPayload] = (await issueSsoToken(sandbox.context, 'admin@contoso.com')).split('.');
    await rejection(validator().validate(`${header}.${adminPayload}.${signature}`), 'signature');
  });

  it('an HMAC token (alg HS256) → signature', async () => {
    const real = decodeJwt(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    const hmac = await new SignJWT(real)
      .setProtectedHeader({ alg: 'HS256', kid: sandbox.context.tokens.kid })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    await rejection(validator().validate(hmac), 'signature');
  });

  it('an unsigned token (alg none, empty signature) → signature', async () => {
    const real = decodeJwt(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT', kid: sandbox.context.tokens.kid })}.${part(real)}.`;
    await rejection(validator().validate(unsigned), 'signature');
  });

  it('a token of tenant A claiming tid B → issuer', async () => {
    const token = await resigned((c) => ({ ...c, tid: fabrikam }));
    const error = await rejection(validator().validate(token), 'issuer');
    expect(error.code).toBe('invalid_token');
  });

  it('a v1 issuer for the right tenant → issuer (exact v2 issuer only)', async () => {
    const token = await resigned((c) => ({ ...c, iss: `https://sts.windows.net/${contoso}/` }));
    await rejection(validator().validate(token), 'issuer');
  });

  it('a tenant Entra does not know → issuer', async () => {
    const token = await resigned((c) => ({ ...c, tid: '11111111-2222-4333-8444-555555555555' }));
    await rejection(validator().validate(token), 'issuer');
  });

  it('another app’s audience → audience', async () => {
    const token = await resigned((c) => ({ ...c, aud: '00000003-0000-0000-c000-000000000000' }));
    await rejection(validator().validate(token), 'audience');
  });

  it('expired (clock past exp + tolerance) → expired; within the 60 s tolerance → accepted', async () => {
    const token = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    const exp = decodeJwt(token).exp! * 1000;
    await expect(validator({ now: () => exp + 30_000 }).validate(token)).resolves.toBeDefined();
    await rejection(validator({ now: () => exp + 61_000 }).validate(token), 'expired');
  });

  it('not yet valid (nbf in the future beyond tolerance) → expired', async () => {
    const token = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    const nbf = decodeJwt(token).nbf! * 1000;
    await rejection(validator({ now: () => nbf - 120_000 }).validate(token), 'expired');
  });

  it.each(['oid', 'preferred_username'])('without %s → claims', async (claim) => {
    const token = await resigned((c) => {
      const copy = { ...c };
      delete copy[claim];
      return copy;
    });
    await rejection(validator().validate(token), 'claims');
  });

  it('without tid, or with a tid that is not a GUID → claims, before any key download', async () => {
    await rejection(validator().validate(await resigned(({ tid: _tid, ...c }) => c)), 'claims');
    await rejection(validator().validate(await resigned((c) => ({ ...c, tid: '../common' }))), 'claims');
    expect(keyRequests).toEqual([]);
  });
});

describe('who asked for the token: our scope, a Microsoft 365 client', () => {
  it.each([
    ['Teams desktop/mobile', '1fec8e78-bce4-4aaf-ab1b-5451cc387264'],
    ['Teams web', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'],
    ['Microsoft 365 web', '4765445b-32c6-49b0-83e6-1d93765276ca'],
    ['Outlook web', 'bc59ab01-8403-45c6-8796-ac3ef710b3e3'],
  ])('accepts a token requested by %s', async (_client, azp) => {
    const token = await resigned((c) => ({ ...c, azp }));
    await expect(validator().validate(token)).resolves.toMatchObject({ upn: 'admin@contoso.com' });
  });

  it('accepts access_as_user among other scopes', async () => {
    const token = await resigned((c) => ({ ...c, scp: 'openid access_as_user profile' }));
    await expect(validator().validate(token)).resolves.toMatchObject({ upn: 'admin@contoso.com' });
  });

  it.each([
    ['no scp at all', (c: JWTPayload) => ({ ...c, scp: undefined })],
    ['another scope of our app', (c: JWTPayload) => ({ ...c, scp: 'user_impersonation' })],
    ['a scope that only contains ours', (c: JWTPayload) => ({ ...c, scp: 'access_as_user_admin' })],
  ])('%s → scope', async (_case, change) => {
    await rejection(validator().validate(await resigned(change)), 'scope');
  });

  it.each([
    ['no azp', (c: JWTPayload) => ({ ...c, azp: undefined })],
    ['an azp of an unknown app', (c: JWTPayload) => ({ ...c, azp: randomUUID() })],
    ['our own app as the client', (c: JWTPayload) => ({ ...c, azp: appId })],
  ])('%s → client', async (_case, change) => {
    await rejection(validator().validate(await resigned(change)), 'client');
  });

  it('a v1-style appid names the client when azp is absent', async () => {
    const ok = await resigned(({ azp: _azp, ...c }) => ({
      ...c,
      appid: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
    }));
    await expect(validator().validate(ok)).resolves.toMatchObject({ upn: 'admin@contoso.com' });
    const bad = await resigned(({ azp: _azp, ...c }) => ({ ...c, appid: randomUUID() }));
    await rejection(validator().validate(bad), 'client');
  });
});

describe('Global Administrator is one role, not any role', () => {
  it.each([
    ['Exchange Administrator', ['29232cdf-9323-42fd-ade2-1d097af3e4de']],
    ['Global Reader', ['f2ef992c-3afb-46b9-b7cf-a126ee74c451']],
    ['Privileged Role Administrator', ['e8611ab8-c189-46e8-94e1-60213ab1f814']],
    ['a role id that only starts like Global Administrator', ['62e90394-69f5-4237-9190-012177145e1']],
  ])('wids with %s only → not a Global Admin', async (_role, wids) => {
    const user = await validator().validate(await resigned((c) => ({ ...c, wids })));
    expect(user.isGlobalAdmin).toBe(false);
  });

  it('wids with Global Administrator among others → a Global Admin', async () => {
    const wids = ['b79fbf4d-3ef9-4689-8143-76b194e85509', '62e90394-69f5-4237-9190-012177145e10'];
    const user = await validator().validate(await resigned((c) => ({ ...c, wids })));
    expect(user.isGlobalAdmin).toBe(true);
  });
});

describe('signing keys under pressure (what a public endpoint must survive)', () => {
  const randomTenant = () => randomUUID();
  const naming = (tid: string) => resigned((c) => ({ ...c, tid }));
  const fakeDate = (start: number) => {
    jest.useFakeTimers({
      now: start,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
  };
  afterEach(() => sandbox.control('DELETE', '/faults'));

  it('remembers a tenant Entra does not know: one download, then refused without asking, until the memory lapses', async () => {
    let now = Date.now();
    const v = validator({ now: () => now, jwks: { unknownTenantMs: 10 * 60_000 } });
    const stranger = randomTenant();
    await rejection(v.validate(await naming(stranger)), 'issuer');
    await rejection(v.validate(await naming(stranger)), 'issuer');
    await rejection(v.validate(await naming(stranger)), 'issuer');
    expect(keyRequests).toEqual([`${sandbox.urls.entra}/${stranger}/discovery/v2.0/keys`]);
    now += 10 * 60_000;
    await rejection(v.validate(await naming(stranger)), 'issuer');
    expect(keyRequests).toHaveLength(2);
  });

  it('caps downloads globally: 30 tokens naming 30 made-up tenants cause at most 5 downloads', async () => {
    const v = validator({ jwks: { maxFetchesPerWindow: 5, fetchWindowMs: 60_000 } });
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, async () =>
        v.validate(await naming(randomTenant())).catch((e: unknown) => e),
      ),
    );
    expect(keyRequests.length).toBeLessThanOrEqual(5);
    // Beyond the cap nobody is asked: those tokens wait (throttled), none is let through.
    for (const outcome of outcomes) {
      expect(outcome).toEqual(
        expect.objectContaining(
          outcome instanceof SsoTokenError
            ? { reason: 'issuer' }
            : { kind: 'throttled', code: 'SigningKeyFetchesCapped' },
        ),
      );
    }
    expect(outcomes.filter((o) => o instanceof ExchangeConnectError)).toHaveLength(30 - keyRequests.length);
  });

  it('caps downloads in flight: with Entra slow, at most 2 at once', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'entra',
      operation: 'keys',
      kind: 'latency',
      ms: 300,
    });
    const v = validator({ jwks: { maxConcurrentFetches: 2 } });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async () =>
        v.validate(await naming(randomTenant())).catch((e: unknown) => e),
      ),
    );
    expect(keyRequests).toHaveLength(2);
    expect(outcomes.filter((o) => o instanceof ExchangeConnectError && o.kind === 'throttled')).toHaveLength(
      4,
    );
  });

  it('keeps at most maxTenants tenants: the least recently used is downloaded again', async () => {
    const v = validator({ jwks: { maxTenants: 1 } });
    await v.validate(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    await v.validate(await issueSsoToken(sandbox.context, 'admin@fabrikam.com'));
    await v.validate(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    expect(keyRequests.map((u) => u.split('/')[3])).toEqual([contoso, fabrikam, contoso]);
  });

  it.each([
    ['throttles (429)', { kind: 'throttle', ms: 30_000 }],
    ['fails (503)', { kind: 'http5xx', status: 503 }],
  ])('keeps the last keys when Entra %s after they aged out', async (_how, fault) => {
    const start = Date.now();
    fakeDate(start);
    const v = validator({ now: () => Date.now(), jwks: { ttlMs: 60 * 60_000 } });
    await v.validate(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    jest.setSystemTime(start + 2 * 60 * 60_000);
    await sandbox.control('POST', '/faults', { service: 'entra', operation: 'keys', count: 5, ...fault });
    const later = await resigned((c) => c, Date.now());
    await expect(v.validate(later)).resolves.toMatchObject({ upn: 'admin@contoso.com' });
    expect(keyRequests).toHaveLength(2);
  });

  it('without keys to fall back on, an Entra outage is an ExchangeConnectError (a 502/503), not a bad token', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'entra',
      operation: 'keys',
      kind: 'http5xx',
      status: 503,
    });
    const error = await rejectedWith(
      validator().validate(await issueSsoToken(sandbox.context, 'admin@contoso.com')),
      ExchangeConnectError,
    );
    expect(error).toMatchObject({ kind: 'unreachable', code: 'HTTP 503' });
  });
});
