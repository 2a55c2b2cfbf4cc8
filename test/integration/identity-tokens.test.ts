/**
 * MsalAppTokenProvider against the sandbox Entra ID through the real msal-node over HTTPS: tokens,
 * coalescing, Retry-After, and every AADSTS failure converted into kind + code + remediation.
 * The error objects converted here are the ones msal-node really throws; none is made up.
 */
import { randomUUID } from 'node:crypto';
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { createAppCertificate, certificateThumbprints } from '../../scripts/dev-certs';
import { ExchangeConnectError, type ErrorKind } from '../../api/src/errors';
import { remediationFor } from '../../api/src/remediation';
import { createMsalNetworkClient } from '../../api/src/identity/network-client';
import type { OutboundPolicy } from '../../api/src/outbound/policy';
import { testPolicy } from '../support/outbound';
import { toExchangeConnectError } from '../../api/src/identity/msal-errors';
import {
  EXCHANGE_SCOPE,
  MsalAppTokenProvider,
  type MsalAppTokenProviderOptions,
  type TokenProviderConfig,
} from '../../api/src/identity/msal-token-provider';
import { rejectedWith } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

const KEY_VAULT = 'https://vault.azure.net/.default';

let sandbox: TestSandbox;
let contoso: string;
let fabrikam: string;
let publisher: string;
let appId: string;
let policy: OutboundPolicy;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const { seed } = sandbox.context;
  contoso = seed.tenants[0]!.id;
  fabrikam = seed.tenants[1]!.id;
  publisher = seed.publisher.tenantId;
  appId = seed.app.clientId;
  policy = testPolicy({ caPem: sandbox.certs.caCertPem });
  expect((await sandbox.control('POST', '/entra/consent', { tenant: contoso })).status).toBe(201);
});
afterAll(async () => {
  policy.close();
  await sandbox.close();
});

function config(overrides: Partial<TokenProviderConfig> = {}): TokenProviderConfig {
  return {
    authorityHost: sandbox.urls.entra,
    clientId: appId,
    appCertificate: { certPem: sandbox.certs.appCertPem, keyPem: sandbox.certs.appKeyPem },
    ...overrides,
  };
}

/** A provider on the sandbox-trusting policy unless the test gives another. */
function newProvider(
  providerConfig: TokenProviderConfig,
  options: Partial<MsalAppTokenProviderOptions> = {},
): MsalAppTokenProvider {
  return new MsalAppTokenProvider(providerConfig, { policy, ...options });
}

/** The real transport, counting what MSAL sends through it. */
function countingTransport(base: INetworkModule = createMsalNetworkClient(policy)) {
  const counts = { get: 0, post: 0 };
  const transport: INetworkModule = {
    sendGetRequestAsync: (url, options, timeout) => {
      counts.get += 1;
      return base.sendGetRequestAsync(url, options, timeout);
    },
    sendPostRequestAsync: (url, options) => {
      counts.post += 1;
      return base.sendPostRequestAsync(url, options);
    },
  };
  return { counts, transport };
}

const failure = (promise: Promise<unknown>) => rejectedWith(promise, ExchangeConnectError);

function expectDiagnostic(error: ExchangeConnectError, kind: ErrorKind, code: string, retryAfterMs?: number) {
  expect({ kind: error.kind, code: error.code }).toEqual({ kind, code });
  expect(error.remediation).toBe(remediationFor(kind, { appId, service: 'entra', retryAfterMs }));
}

describe('app-only tokens', () => {
  it('issues an Exchange token with full_access_as_app after admin consent, without any discovery request', async () => {
    const { counts, transport } = countingTransport();
    const provider = newProvider(config(), { networkClient: transport });
    const token = await provider.getAppToken(contoso, 'ews');
    expect(token.roles).toEqual(['full_access_as_app']);
    expect(token.accessToken.split('.')).toHaveLength(3);
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
    expect(counts).toEqual({ get: 0, post: 1 });
  });

  it('coalesces 10 concurrent cold requests for one tenant into one token request, then serves the cache', async () => {
    const { counts, transport } = countingTransport();
    const provider = newProvider(config(), { networkClient: transport });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getAppToken(contoso, 'ews')));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(counts.post).toBe(1);

    await provider.getAppToken(contoso, 'ews');
    expect(counts.post).toBe(1);
    const fresh = await provider.getAppToken(contoso, 'ews', { forceRefresh: true });
    expect(counts.post).toBe(2);
    expect(fresh.accessToken).not.toBe(tokens[0]!.accessToken);
  });

  it('keeps one client per tenant: a second tenant makes its own request', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: fabrikam });
    try {
      const { counts, transport } = countingTransport();
      const provider = newProvider(config(), { networkClient: transport });
      const [a, b] = await Promise.all([
        provider.getAppToken(contoso, 'ews'),
        provider.getAppToken(fabrikam, 'ews'),
      ]);
      expect(a.accessToken).not.toBe(b.accessToken);
      expect(counts.post).toBe(2);
    } finally {
      await sandbox.control('DELETE', `/entra/consent/${fabrikam}`);
    }
  });

  it('tokens for two tenants one after the other: each carries its own tid, also from the cache', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: fabrikam });
    try {
      const provider = newProvider(config());
      const tidOf = async (tenantId: string) =>
        decodeJwt((await provider.getAppToken(tenantId, 'ews')).accessToken).tid;
      expect(await tidOf(contoso)).toBe(contoso);
      expect(await tidOf(fabrikam)).toBe(fabrikam);
      // Cached now: still each tenant's own.
      expect(await tidOf(contoso)).toBe(contoso);
      expect(await tidOf(fabrikam)).toBe(fabrikam);
    } finally {
      await sandbox.control('DELETE', `/entra/consent/${fabrikam}`);
    }
  });

  it("keeps at most maxTenantClients tenants: the least recently used asks Entra again, each token its own tenant's", async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: fabrikam });
    try {
      const tidsAndPosts = async (maxTenantClients: number) => {
        const { counts, transport } = countingTransport();
        const provider = newProvider(config(), { networkClient: transport, maxTenantClients });
        const tids: unknown[] = [];
        for (const tenant of [contoso, fabrikam, contoso]) {
          tids.push(decodeJwt((await provider.getAppToken(tenant, 'ews')).accessToken).tid);
        }
        return { tids, posts: counts.post };
      };
      // Room for both: the third lookup is contoso's cached token.
      expect(await tidsAndPosts(2)).toEqual({ tids: [contoso, fabrikam, contoso], posts: 2 });
      // Room for one: fabrikam pushed contoso's client (and its token) out.
      expect(await tidsAndPosts(1)).toEqual({ tids: [contoso, fabrikam, contoso], posts: 3 });
    } finally {
      await sandbox.control('DELETE', `/entra/consent/${fabrikam}`);
    }
  });

  it("signs a new assertion for each request that reaches Entra, for that tenant's token endpoint, none for a cache hit", async () => {
    const assertions: Array<{ url: string; assertion: string }> = [];
    const base = createMsalNetworkClient(policy);
    const transport: INetworkModule = {
      sendGetRequestAsync: (url, options, timeout) => base.sendGetRequestAsync(url, options, timeout),
      sendPostRequestAsync: (url, options) => {
        const assertion = new URLSearchParams(options?.body ?? '').get('client_assertion') ?? '';
        assertions.push({ url, assertion });
        return base.sendPostRequestAsync(url, options);
      },
    };
    const provider = newProvider(config(), { networkClient: transport });
    await provider.getAppToken(contoso, 'ews');
    await provider.getAppToken(contoso, 'ews');
    // The same client again, at once: an authority enforcing one-time `jti` accepts it.
    await provider.getAppToken(contoso, 'ews', { forceRefresh: true });
    expect(assertions).toHaveLength(2);
    const claims = assertions.map((a) => decodeJwt(a.assertion));
    expect(claims.map((c) => c.aud)).toEqual(assertions.map((a) => a.url.split('?')[0]));
    expect(String(claims[0]?.aud)).toContain(`/${contoso}/oauth2/v2.0/token`);
    expect(new Set(claims.map((c) => c.jti)).size).toBe(2);
    expect(claims.map((c) => [c.iss, c.sub])).toEqual([
      [appId, appId],
      [appId, appId],
    ]);
  });

  it('gives a Key Vault token in the publisher tenant (AccessTokenSource)', async () => {
    const provider = newProvider(config());
    const { token, expiresOnTimestamp } = await provider.getAccessToken(KEY_VAULT, publisher);
    expect(token.split('.')).toHaveLength(3);
    expect(expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('refuses a key that does not belong to the certificate at construction', async () => {
    const other = await createAppCertificate({ commonName: 'other key' });
    expect(() =>
      newProvider(config({ appCertificate: { certPem: sandbox.certs.appCertPem, keyPem: other.keyPem } })),
    ).toThrow('do not belong together');
  });
});

describe('Entra errors → kind, code, remediation', () => {
  it('unknown tenant → tenant_not_found, AADSTS90002', async () => {
    const error = await failure(newProvider(config()).getAppToken(randomUUID(), 'ews'));
    expectDiagnostic(error, 'tenant_not_found', 'AADSTS90002');
    expect(error.message).toMatch(/AADSTS90002: Tenant '[0-9a-f-]{36}' not found\./);
  });

  it('a tenant that never consented → consent_missing, AADSTS700016', async () => {
    const error = await failure(newProvider(config()).getAppToken(fabrikam, 'ews'));
    expectDiagnostic(error, 'consent_missing', 'AADSTS700016');
    expect(error.message).toContain(`not found in the directory 'Fabrikam'`);
    expect(error.message).toMatch(/Trace ID: [0-9a-f-]{36}/);
  });

  it('revoked consent → consent_missing, AADSTS700016', async () => {
    expect((await sandbox.control('DELETE', `/entra/consent/${contoso}`)).status).toBe(204);
    try {
      const error = await failure(newProvider(config()).getAppToken(contoso, 'ews'));
      expectDiagnostic(error, 'consent_missing', 'AADSTS700016');
    } finally {
      await sandbox.control('POST', '/entra/consent', { tenant: contoso });
    }
  });

  it('disabled app → app_disabled, AADSTS7000112', async () => {
    await sandbox.control('POST', '/entra/app/disable');
    try {
      const error = await failure(newProvider(config()).getAppToken(contoso, 'ews'));
      expectDiagnostic(error, 'app_disabled', 'AADSTS7000112');
      expect(error.message).toContain('is disabled.');
    } finally {
      await sandbox.control('POST', '/entra/app/enable');
    }
  });

  it('unregistered certificate → certificate_not_registered, AADSTS700027', async () => {
    const stranger = await createAppCertificate({ commonName: 'not registered' });
    const provider = newProvider(
      config({ appCertificate: { certPem: stranger.certPem, keyPem: stranger.keyPem } }),
    );
    const error = await failure(provider.getAppToken(contoso, 'ews'));
    expectDiagnostic(error, 'certificate_not_registered', 'AADSTS700027');
    expect(error.message).toContain(certificateThumbprints(stranger.certPem).sha256);
  });

  it('expired certificate → certificate_expired, AADSTS700027', async () => {
    const lapsing = await createAppCertificate({ commonName: 'lapsing' });
    const { sha256 } = certificateThumbprints(lapsing.certPem);
    expect((await sandbox.control('POST', '/entra/certificates', { pem: lapsing.certPem })).status).toBe(201);
    expect((await sandbox.control('POST', `/entra/certificates/${sha256}/expire`)).status).toBe(200);
    try {
      const provider = newProvider(
        config({ appCertificate: { certPem: lapsing.certPem, keyPem: lapsing.keyPem } }),
      );
      const error = await failure(provider.getAppToken(contoso, 'ews'));
      expectDiagnostic(error, 'certificate_expired', 'AADSTS700027');
    } finally {
      await sandbox.control('DELETE', `/entra/certificates/${sha256}`);
    }
  });

  it('a scope the app may not request → invalid_scope, AADSTS70011', async () => {
    const provider = newProvider(config());
    const error = await failure(provider.getAccessToken('https://management.azure.com/.default', contoso));
    expectDiagnostic(error, 'invalid_scope', 'AADSTS70011');
  });

  it('a malformed tenant id never reaches Entra', async () => {
    const { counts, transport } = countingTransport();
    const provider = newProvider(config(), { networkClient: transport });
    const error = await failure(provider.getAppToken('../common/x', 'ews'));
    expect(error.kind).toBe('tenant_not_found');
    expect(counts.post).toBe(0);
  });
});

describe('throttling and transport failures', () => {
  afterEach(async () => {
    await sandbox.control('DELETE', '/faults');
  });

  it('429 → throttled with Retry-After; while it runs, no request is sent; afterwards tokens flow again', async () => {
    // 4 s: long enough that the second call surely falls inside the wait, even on a loaded machine.
    const rule = { service: 'entra', operation: 'token', kind: 'throttle', ms: 4000, count: 1 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    const { counts, transport } = countingTransport();
    const provider = newProvider(config(), { networkClient: transport });

    const first = await failure(provider.getAppToken(contoso, 'ews'));
    expectDiagnostic(first, 'throttled', 'AADSTS50196', 4000);
    expect(first.retryAfterMs).toBe(4000);
    expect(counts.post).toBe(1);

    const second = await failure(provider.getAppToken(contoso, 'ews'));
    expect(second.kind).toBe('throttled');
    expect(second.code).toBe('AADSTS50196');
    expect(second.retryAfterMs).toBeGreaterThan(0);
    expect(second.retryAfterMs).toBeLessThanOrEqual(4000);
    expect(counts.post).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 4200));
    await expect(provider.getAppToken(contoso, 'ews')).resolves.toMatchObject({
      roles: ['full_access_as_app'],
    });
    expect(counts.post).toBe(2);
  });

  it('a transient 503 → unreachable, AADSTS90033, with the minute MSAL then waits', async () => {
    const rule = { service: 'entra', operation: 'token', kind: 'http5xx', status: 503, count: 1 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    const error = await failure(newProvider(config()).getAppToken(contoso, 'ews'));
    expectDiagnostic(error, 'unreachable', 'AADSTS90033', 60_000);
    expect(error.retryAfterMs).toBe(60_000);
  });

  it('no answer → timeout', async () => {
    const rule = { service: 'entra', operation: 'token', kind: 'timeout', count: 1 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    const provider = newProvider(config(), { timeoutMs: 500 });
    const error = await failure(provider.getAppToken(contoso, 'ews'));
    expectDiagnostic(error, 'timeout', 'ETIMEDOUT');
  });

  it('a body that is not JSON → unexpected, naming the status', async () => {
    const rule = { service: 'entra', operation: 'token', kind: 'malformed', count: 1 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    const error = await failure(newProvider(config()).getAppToken(contoso, 'ews'));
    expectDiagnostic(error, 'unexpected', 'HTTP 200');
    expect(error.message).toContain('not JSON');
  });

  it('a 200 without an access token (e.g. a broken proxy answering {}) is an error, not a token', async () => {
    const base = createMsalNetworkClient(policy);
    const emptying: INetworkModule = {
      sendGetRequestAsync: (url, options, timeout) => base.sendGetRequestAsync(url, options, timeout),
      sendPostRequestAsync: async <T>(
        url: string,
        options?: Parameters<INetworkModule['sendPostRequestAsync']>[1],
      ) => {
        const response = await base.sendPostRequestAsync<T>(url, options);
        return { ...response, body: {} as T };
      },
    };
    const provider = newProvider(config(), { networkClient: emptying });
    const error = await failure(provider.getAppToken(contoso, 'ews'));
    expectDiagnostic(error, 'unexpected', 'empty_access_token');
  });

  it('an Entra ID whose TLS certificate is not trusted → untrusted_certificate with a clear message', async () => {
    const foreignCa = await createAppCertificate({ commonName: 'Some other CA' });
    const provider = newProvider(config(), { policy: testPolicy({ caPem: foreignCa.certPem }) });
    const error = await failure(provider.getAppToken(contoso, 'ews'));
    expect(error.kind).toBe('untrusted_certificate');
    expect([
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]).toContain(error.code);
    expect(error.message).toContain(
      `The TLS certificate of Entra ID (${new URL(sandbox.urls.entra).host}) is not trusted`,
    );
    expect(error.message).toContain('EC_CA_FILE');
  });

  it('msal-node’s own fetch failing (no network client) → unreachable, saying an untrusted certificate looks the same', async () => {
    // A port nothing listens on: MSAL's fetch fails the way it also fails on an untrusted certificate.
    const closed = new URL(sandbox.urls.entra);
    closed.port = '1';
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: appId,
        authority: `${closed.origin}/${contoso}`,
        knownAuthorities: [closed.host],
        clientCertificate: {
          thumbprintSha256: certificateThumbprints(sandbox.certs.appCertPem).sha256,
          privateKey: sandbox.certs.appKeyPem,
        },
      },
    });
    const thrown: unknown = await app.acquireTokenByClientCredential({ scopes: [EXCHANGE_SCOPE] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const error = toExchangeConnectError(thrown, { appId, tenantId: contoso });
    expect(error.kind).toBe('unreachable');
    expect(['endpoints_resolution_error', 'network_error']).toContain(error.code);
    expect(error.message).toContain(
      'An untrusted TLS certificate on the way to Entra ID shows up the same way.',
    );
    expect(error.remediation).toBe(remediationFor('unreachable', { appId, service: 'entra' }));
  });
});
