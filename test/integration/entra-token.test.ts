/**
 * The sandbox Entra ID token endpoint driven by the real msal-node ConfidentialClientApplication
 * with certificate credentials over HTTPS, plus raw requests for what MSAL never sends (replays,
 * wrong audiences). Each MSAL test uses a fresh instance: MSAL caches tokens and refuses repeats.
 */
import { constants, createHash, randomUUID, sign, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { certificateThumbprints, createAppCertificate } from '../../scripts/dev-certs';
import { httpsJson, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { createMsalNetworkClient } from '../support/msal-network';
import { rejectedWith } from '../support/rejections';

const EXCHANGE = 'https://outlook.office365.com/.default';
const KEY_VAULT = 'https://vault.azure.net/.default';
const BOT_FRAMEWORK = 'https://api.botframework.com/.default';

interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

let sandbox: TestSandbox;
let contoso: string;
let fabrikam: string;
let publisher: string;
let appId: string;
let botId: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const { seed } = sandbox.context;
  contoso = seed.tenants[0]!.id;
  fabrikam = seed.tenants[1]!.id;
  publisher = seed.publisher.tenantId;
  appId = seed.app.clientId;
  botId = seed.bot.appId;
});
afterAll(() => sandbox.close());

type Credential =
  { thumbprintSha256: string; privateKey: string } | { thumbprint: string; privateKey: string };

function msalClient(
  target: TestSandbox,
  tenant: string,
  options: { clientId?: string; credential?: Credential } = {},
): ConfidentialClientApplication {
  const credential = options.credential ?? {
    thumbprintSha256: certificateThumbprints(target.certs.appCertPem).sha256,
    privateKey: target.certs.appKeyPem,
  };
  return new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId ?? appId,
      authority: `${target.urls.entra}/${tenant}`,
      knownAuthorities: [new URL(target.urls.entra).host],
      clientCertificate: credential,
    },
    system: { networkClient: createMsalNetworkClient(target.agent) },
  });
}

async function acquire(client: ConfidentialClientApplication, scope: string) {
  const result = await client.acquireTokenByClientCredential({ scopes: [scope] });
  if (!result?.accessToken) throw new Error('MSAL returned no access token');
  return { result, claims: decodeJwt(result.accessToken) };
}

const serverError = (promise: Promise<unknown>) => rejectedWith(promise, ServerError);

/** A client assertion signed as MSAL signs it (PS256, `x5t#S256`), with claims a test may override. */
function clientAssertion(target: TestSandbox, claims: Record<string, unknown> = {}): string {
  const der = new X509Certificate(target.certs.appCertPem).raw;
  const header = {
    alg: 'PS256',
    typ: 'JWT',
    'x5t#S256': createHash('sha256').update(der).digest('base64url'),
  };
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: `${target.urls.entra}/${contoso}/oauth2/v2.0/token`,
    iss: appId,
    sub: appId,
    jti: randomUUID(),
    nbf: now,
    iat: now,
    exp: now + 600,
    ...claims,
  };
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const data = `${encode(header)}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(data), {
    key: target.certs.appKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  });
  return `${data}.${signature.toString('base64url')}`;
}

function postToken(target: TestSandbox, tenant: string, form: Record<string, string>) {
  return httpsJson<EntraErrorBody & { access_token?: string }>(
    target.agent,
    `${target.urls.entra}/${tenant}/oauth2/v2.0/token`,
    'POST',
    new URLSearchParams(form).toString(),
    { 'content-type': 'application/x-www-form-urlencoded' },
  );
}

const assertionForm = (assertion: string, scope = EXCHANGE) => ({
  grant_type: 'client_credentials',
  client_id: appId,
  scope,
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: assertion,
});

describe('client credentials with a certificate (msal-node)', () => {
  beforeAll(async () => {
    expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
  });

  it('issues an app-only Exchange token with full_access_as_app after admin consent (PS256, x5t#S256)', async () => {
    const { result, claims } = await acquire(msalClient(sandbox, contoso), EXCHANGE);
    expect(result.tokenType).toBe('Bearer');
    expect(claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      iss: `https://sts.windows.net/${contoso}/`,
      tid: contoso,
      appid: appId,
      roles: ['full_access_as_app'],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3599);
  });

  it('accepts the deprecated SHA-1 thumbprint (RS256, x5t)', async () => {
    const client = msalClient(sandbox, 'contoso.com', {
      credential: {
        thumbprint: certificateThumbprints(sandbox.certs.appCertPem).sha1,
        privateKey: sandbox.certs.appKeyPem,
      },
    });
    const { claims } = await acquire(client, EXCHANGE);
    expect(claims).toMatchObject({ tid: contoso, roles: ['full_access_as_app'] });
  });

  it('gives the same service principal object id for the same tenant and app', async () => {
    const first = await acquire(msalClient(sandbox, contoso), EXCHANGE);
    const second = await acquire(msalClient(sandbox, contoso), EXCHANGE);
    expect(first.claims.oid).toBe(second.claims.oid);
    expect(first.claims.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('rejects an unregistered certificate with AADSTS700027', async () => {
    const stranger = await createAppCertificate({ commonName: 'not registered' });
    const client = msalClient(sandbox, contoso, {
      credential: {
        thumbprintSha256: certificateThumbprints(stranger.certPem).sha256,
        privateKey: stranger.keyPem,
      },
    });
    const error = await serverError(client.acquireTokenByClientCredential({ scopes: [EXCHANGE] }));
    expect(error.errorCode).toBe('invalid_client');
    expect(String(error.errorNo)).toBe('700027');
    expect(error.errorMessage).toContain('is not registered on application');
  });

  it('rejects a registered certificate that has expired with AADSTS700027', async () => {
    const lapsing = await createAppCertificate({ commonName: 'lapsing' });
    const { sha256 } = certificateThumbprints(lapsing.certPem);
    expect((await sandbox.control('POST', '/entra/certificates', { pem: lapsing.certPem })).status).toBe(201);
    expect((await sandbox.control('POST', `/entra/certificates/${sha256}/expire`)).status).toBe(200);
    const client = msalClient(sandbox, contoso, {
      credential: { thumbprintSha256: sha256, privateKey: lapsing.keyPem },
    });
    const error = await serverError(client.acquireTokenByClientCredential({ scopes: [EXCHANGE] }));
    expect(String(error.errorNo)).toBe('700027');
    expect(error.errorMessage).toContain('The key used is expired.');
    expect((await sandbox.control('DELETE', `/entra/certificates/${sha256}`)).status).toBe(204);
  });

  it('answers AADSTS700016 in a tenant that never consented', async () => {
    const error = await serverError(
      msalClient(sandbox, fabrikam).acquireTokenByClientCredential({ scopes: [EXCHANGE] }),
    );
    expect(error.errorCode).toBe('unauthorized_client');
    expect(String(error.errorNo)).toBe('700016');
    expect(error.errorMessage).toContain(
      `Application with identifier '${appId}' was not found in the directory 'Fabrikam'`,
    );
  });

  it('answers AADSTS7000112 while the app is disabled', async () => {
    await sandbox.control('POST', '/entra/app/disable');
    try {
      const error = await serverError(
        msalClient(sandbox, contoso).acquireTokenByClientCredential({ scopes: [EXCHANGE] }),
      );
      expect(String(error.errorNo)).toBe('7000112');
      expect(error.errorMessage).toContain(`Application '${appId}'(Exchange Connect) is disabled.`);
    } finally {
      await sandbox.control('POST', '/entra/app/enable');
    }
    await expect(acquire(msalClient(sandbox, contoso), EXCHANGE)).resolves.toBeDefined();
  });

  it('answers AADSTS70011 for a scope the app may not request', async () => {
    const error = await serverError(
      msalClient(sandbox, contoso).acquireTokenByClientCredential({
        scopes: ['https://management.azure.com/.default'],
      }),
    );
    expect(error.errorCode).toBe('invalid_scope');
    expect(String(error.errorNo)).toBe('70011');
  });

  it('issues a Key Vault token to the app in its home tenant without consent', async () => {
    const { claims } = await acquire(msalClient(sandbox, publisher), KEY_VAULT);
    expect(claims).toMatchObject({ aud: 'https://vault.azure.net', tid: publisher, appid: appId });
    expect(claims.roles).toBeUndefined();
  });

  it('issues a Bot Framework token to the bot, and nothing else to it', async () => {
    const { claims } = await acquire(msalClient(sandbox, publisher, { clientId: botId }), BOT_FRAMEWORK);
    expect(claims).toMatchObject({ aud: 'https://api.botframework.com', appid: botId, tid: publisher });
    const error = await serverError(
      msalClient(sandbox, publisher, { clientId: botId }).acquireTokenByClientCredential({
        scopes: [EXCHANGE],
      }),
    );
    expect(String(error.errorNo)).toBe('70011');
  });

  it('fails discovery for an unknown tenant (MSAL), as Entra answers AADSTS90002', async () => {
    const unknown = randomUUID();
    const failure: unknown = await msalClient(sandbox, unknown)
      .acquireTokenByClientCredential({ scopes: [EXCHANGE] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toMatchObject({ errorCode: 'endpoints_resolution_error' });

    const discovery = await httpsJson<EntraErrorBody>(
      sandbox.agent,
      `${sandbox.urls.entra}/${unknown}/v2.0/.well-known/openid-configuration`,
    );
    expect(discovery.status).toBe(400);
    expect(discovery.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });

    const token = await postToken(sandbox, unknown, assertionForm(clientAssertion(sandbox)));
    expect(token.status).toBe(400);
    expect(token.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    expect(token.body.error_description).toMatch(
      new RegExp(`^AADSTS90002: Tenant '${unknown}' not found\\.`),
    );
  });
});

describe('client assertion checks (raw HTTP)', () => {
  it('answers with Entra’s exact error body shape, echoing client-request-id as the correlation id', async () => {
    const correlationId = randomUUID();
    const res = await httpsJson<EntraErrorBody>(
      sandbox.agent,
      `${sandbox.urls.entra}/${contoso}/oauth2/v2.0/token`,
      'POST',
      new URLSearchParams(
        assertionForm(clientAssertion(sandbox), 'https://management.azure.com/.default'),
      ).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': correlationId },
    );
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'correlation_id',
        'error',
        'error_codes',
        'error_description',
        'error_uri',
        'timestamp',
        'trace_id',
      ].sort(),
    );
    expect(res.body.correlation_id).toBe(correlationId);
    expect(res.body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(res.body.error_description).toBe(
      `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://management.azure.com/.default is not valid.` +
        `\r\nTrace ID: ${res.body.trace_id}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${res.body.timestamp}`,
    );
    expect(res.body.error_uri).toBe(`${sandbox.urls.entra}/error?code=70011`);
  });

  it('refuses a replayed assertion (same jti twice)', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: contoso });
    const assertion = clientAssertion(sandbox);
    const first = await postToken(sandbox, contoso, assertionForm(assertion));
    expect(first.status).toBe(200);
    expect(first.body.access_token).toEqual(expect.any(String));
    const second = await postToken(sandbox, contoso, assertionForm(assertion));
    expect(second.status).toBe(401);
    expect(second.body).toMatchObject({ error: 'invalid_client', error_codes: [50013] });
  });

  it('refuses an assertion addressed to another token endpoint (AADSTS700023)', async () => {
    const assertion = clientAssertion(sandbox, {
      aud: `${sandbox.urls.entra}/${fabrikam}/oauth2/v2.0/token`,
    });
    const res = await postToken(sandbox, contoso, assertionForm(assertion));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client', error_codes: [700023] });
  });

  it('refuses an assertion whose issuer is another client (AADSTS700021)', async () => {
    const res = await postToken(sandbox, contoso, assertionForm(clientAssertion(sandbox, { iss: botId })));
    expect(res.status).toBe(401);
    expect(res.body.error_codes).toEqual([700021]);
  });

  it('refuses an expired assertion (AADSTS700024)', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const res = await postToken(
      sandbox,
      contoso,
      assertionForm(clientAssertion(sandbox, { nbf: past, exp: past + 600 })),
    );
    expect(res.status).toBe(401);
    expect(res.body.error_codes).toEqual([700024]);
  });

  it('refuses an assertion whose signature does not match the certificate (AADSTS700027)', async () => {
    const [header, payload] = clientAssertion(sandbox).split('.');
    const forged = `${header}.${payload}.${clientAssertion(sandbox).split('.')[2]}`;
    const res = await postToken(sandbox, contoso, assertionForm(forged));
    expect(res.status).toBe(401);
    expect(res.body.error_codes).toEqual([700027]);
    expect(res.body.error_description).toContain('invalid signature');
  });
});

describe('injected faults', () => {
  it('throttles the token endpoint with 429 + Retry-After, then answers again', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: contoso });
    const rule = { service: 'entra', operation: 'token', kind: 'throttle', ms: 30_000, count: 1 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    const throttled = await postToken(sandbox, contoso, assertionForm(clientAssertion(sandbox)));
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('30');
    expect(throttled.body).toMatchObject({ error: 'temporarily_unavailable', error_codes: [50196] });
    const next = await postToken(sandbox, contoso, assertionForm(clientAssertion(sandbox)));
    expect(next.status).toBe(200);
  });

  it('surfaces a transient 5xx to msal-node as a ServerError with the status', async () => {
    const rule = { service: 'entra', operation: 'token', kind: 'http5xx', status: 503 };
    expect((await sandbox.control('POST', '/faults', rule)).status).toBe(201);
    try {
      const error = await serverError(
        msalClient(sandbox, contoso).acquireTokenByClientCredential({ scopes: [EXCHANGE] }),
      );
      expect(error.status).toBe(503);
      expect(error.errorCode).toBe('temporarily_unavailable');
    } finally {
      await sandbox.control('DELETE', '/faults');
    }
  });
});

describe('consent propagation (injected clock)', () => {
  it('issues tokens without the role until the grant has replicated, then with it', async () => {
    let nowMs = Date.now();
    const delayed = await startTestSandbox({ now: () => nowMs, consentPropagationMs: 60_000 });
    try {
      expect((await delayed.control('POST', '/entra/consent', { tenant: contoso })).status).toBe(201);
      expect((await delayed.control<{ state: string }>('GET', `/entra/consent/${contoso}`)).body.state).toBe(
        'propagating',
      );
      const early = await acquire(msalClient(delayed, contoso), EXCHANGE);
      expect(early.claims.roles).toBeUndefined();

      nowMs += 61_000;
      const later = await acquire(msalClient(delayed, contoso), EXCHANGE);
      expect(later.claims.roles).toEqual(['full_access_as_app']);
    } finally {
      await delayed.close();
    }
  });
});
