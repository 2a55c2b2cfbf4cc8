/**
 * The sandbox Entra ID's discovery document and keys, the Teams SSO token verified with jose the
 * way the API will verify it (keys from the discovery document's jwks_uri), and the control API.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { certificateThumbprints, createAppCertificate } from '../../scripts/dev-certs';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID } from '../../sandbox/src/seed';
import { httpsJson, startTestSandbox, type TestSandbox } from '../support/sandbox';

interface OpenIdConfiguration {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  authorization_endpoint: string;
}

let sandbox: TestSandbox;
let contoso: string;
let appId: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  contoso = sandbox.context.seed.tenants[0]!.id;
  appId = sandbox.context.seed.app.clientId;
});
afterAll(() => sandbox.close());

const get = <T>(url: string) => httpsJson<T>(sandbox.agent, url);

describe('discovery', () => {
  it('serves the v2 openid-configuration for a verified domain with the tenant GUID in every endpoint', async () => {
    const res = await get<OpenIdConfiguration>(
      `${sandbox.urls.entra}/contoso.com/v2.0/.well-known/openid-configuration`,
    );
    expect(res.status).toBe(200);
    const base = `${sandbox.urls.entra}/${contoso}`;
    expect(res.body).toMatchObject({
      issuer: `${base}/v2.0`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    });
  });

  it('serves the publisher tenant and the same keys under /common', async () => {
    const publisher = sandbox.context.seed.publisher.tenantId;
    expect(
      (await get(`${sandbox.urls.entra}/${publisher}/v2.0/.well-known/openid-configuration`)).status,
    ).toBe(200);
    const keys = await get<JSONWebKeySet>(`${sandbox.urls.entra}/common/discovery/v2.0/keys`);
    expect(keys.body).toEqual(sandbox.context.tokens.jwks());
  });
});

describe('Teams SSO token', () => {
  async function verify(token: string) {
    const config = (
      await get<OpenIdConfiguration>(`${sandbox.urls.entra}/${contoso}/v2.0/.well-known/openid-configuration`)
    ).body;
    const jwks = (await get<JSONWebKeySet>(config.jwks_uri)).body;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: config.issuer,
      audience: appId,
      algorithms: ['RS256'],
    });
    return payload;
  }

  it('verifies against the discovery keys and carries the admin’s identity and Global Administrator wids', async () => {
    const admin = sandbox.context.seed.tenants[0]!.users.find((u) => u.upn === 'admin@contoso.com')!;
    const payload = await verify(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
    expect(payload).toMatchObject({
      tid: contoso,
      oid: admin.id,
      preferred_username: 'admin@contoso.com',
      name: admin.displayName,
      scp: 'access_as_user',
      azp: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
      ver: '2.0',
      wids: [GLOBAL_ADMINISTRATOR_TEMPLATE_ID],
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('carries no wids for a regular user', async () => {
    const payload = await verify(await issueSsoToken(sandbox.context, 'alex@contoso.com'));
    expect(payload.wids).toBeUndefined();
  });

  it('refuses an unknown user', async () => {
    await expect(issueSsoToken(sandbox.context, 'nobody@contoso.com')).rejects.toThrow('nobody@contoso.com');
  });
});

describe('control API (/_sandbox/entra)', () => {
  it('grants, reads and revokes consent, with problem+json for unknown tenants', async () => {
    const granted = await sandbox.control<{ state: string }>('POST', '/entra/consent', {
      tenant: 'fabrikam.com',
      user: 'admin@fabrikam.com',
    });
    expect(granted).toMatchObject({ status: 201, body: { state: 'effective' } });
    expect((await sandbox.control('DELETE', '/entra/consent/fabrikam.com')).status).toBe(204);
    expect((await sandbox.control<{ state: string }>('GET', '/entra/consent/fabrikam.com')).body.state).toBe(
      'none',
    );
    const unknown = await sandbox.control<{ code: string }>('GET', '/entra/consent/nowhere.example');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'tenant_not_found' } });
  });

  it('sets the propagation delay and validates its input', async () => {
    expect((await sandbox.control('PUT', '/entra/propagation', { seconds: 5 })).body).toEqual({ seconds: 5 });
    expect(sandbox.context.directory.consentPropagationMs).toBe(5000);
    expect((await sandbox.control('PUT', '/entra/propagation', { seconds: -1 })).status).toBe(400);
    await sandbox.control('PUT', '/entra/propagation', { seconds: 0 });
  });

  it('lists the app and bot certificates, registers, expires and removes one', async () => {
    const { sha256 } = certificateThumbprints(sandbox.certs.appCertPem);
    const listed = await sandbox.control<{ value: { appId: string; sha256: string }[] }>(
      'GET',
      '/entra/certificates',
    );
    expect(listed.body.value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ appId, sha256 }),
        expect.objectContaining({ appId: sandbox.context.seed.bot.appId, sha256 }),
      ]),
    );

    const extra = await createAppCertificate({ commonName: 'control test' });
    const extraSha256 = certificateThumbprints(extra.certPem).sha256;
    expect((await sandbox.control('POST', '/entra/certificates', { pem: extra.certPem })).status).toBe(201);
    const expired = await sandbox.control<{ expired: boolean }>(
      'POST',
      `/entra/certificates/${extraSha256}/expire`,
    );
    expect(expired.body.expired).toBe(true);
    expect((await sandbox.control('DELETE', `/entra/certificates/${extraSha256}`)).status).toBe(204);
    expect((await sandbox.control('DELETE', `/entra/certificates/${extraSha256}`)).status).toBe(404);
    expect((await sandbox.control('POST', '/entra/certificates', { pem: 'not a certificate' })).status).toBe(
      400,
    );
  });
});
