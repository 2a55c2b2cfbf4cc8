/**
 * Admin consent end to end: startAdminConsent issues the URL, the sandbox consent pages are walked
 * over raw HTTPS as a browser would, and Entra's redirect goes into completeAdminConsent, which
 * checks the state against a real SQLite store and asks the real msal-node for a token.
 */
import type { INetworkModule } from '@azure/msal-node';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import { remediationFor } from '../../api/src/remediation';
import {
  CONSENT_STATE_TTL_MS,
  completeAdminConsent,
  startAdminConsent,
  type ConsentSettings,
} from '../../api/src/identity/admin-consent';
import { consentPopupResult } from '../../api/src/http/consent-routes';
import { ConsentStateError } from '../../api/src/identity/errors';
import { MsalAppTokenProvider } from '../../api/src/identity/msal-token-provider';
import https from 'node:https';
import { createMsalNetworkClient } from '../../api/src/identity/network-client';
import { testPolicy } from '../support/outbound';
import { JoseSsoTokenValidator } from '../../api/src/identity/sso-validator';
import type { SignedInUser } from '../../api/src/identity/port';
import { ConsentBrowser } from '../support/consent-browser';
import { rejectedWith } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

const SCOPE = 'https://outlook.office365.com/.default';

let sandbox: TestSandbox;
let agent: https.Agent;
let browser: ConsentBrowser;
let contoso: string;
let fabrikam: string;
let appId: string;
let settings: ConsentSettings;
let admin: SignedInUser;
let store: IntegrationStore;
let tokenRequests: string[];
let tokens: MsalAppTokenProvider;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  agent = new https.Agent({ ca: sandbox.certs.caCertPem, keepAlive: true });
  browser = new ConsentBrowser(agent, sandbox.urls.entra);
  contoso = sandbox.context.seed.tenants[0]!.id;
  fabrikam = sandbox.context.seed.tenants[1]!.id;
  appId = sandbox.context.seed.app.clientId;
  settings = { authorityHost: sandbox.urls.entra, clientId: appId, publicUrl: sandbox.context.appBaseUrl };
  const validator = new JoseSsoTokenValidator({
    authorityHost: sandbox.urls.entra,
    clientId: appId,
    policy: testPolicy({ caPem: sandbox.certs.caCertPem }),
  });
  admin = await validator.validate(await issueSsoToken(sandbox.context, 'admin@contoso.com'));
});
afterAll(async () => {
  agent.destroy();
  await sandbox.close();
});

beforeEach(() => {
  store = openSqliteStore({ file: ':memory:' });
  tokenRequests = [];
  const base = createMsalNetworkClient(testPolicy({ caPem: sandbox.certs.caCertPem }));
  const recording: INetworkModule = {
    sendGetRequestAsync: (url, options, timeout) => base.sendGetRequestAsync(url, options, timeout),
    sendPostRequestAsync: (url, options) => {
      const { origin, pathname } = new URL(url);
      tokenRequests.push(`${origin}${pathname}`);
      return base.sendPostRequestAsync(url, options);
    },
  };
  tokens = new MsalAppTokenProvider(
    {
      authorityHost: sandbox.urls.entra,
      clientId: appId,
      appCertificate: { certPem: sandbox.certs.appCertPem, keyPem: sandbox.certs.appKeyPem },
    },
    { policy: testPolicy({ caPem: sandbox.certs.caCertPem }), networkClient: recording },
  );
});
afterEach(async () => {
  await store.close();
  for (const tenant of [contoso, fabrikam]) await sandbox.control('DELETE', `/entra/consent/${tenant}`);
});

/** Signs in on the sandbox picker as `upn`, then answers the next page; returns the callback query. */
async function walkConsent(consentUrl: string, upn: string, answer: Record<string, string>) {
  const picker = await browser.browse(consentUrl);
  expect(picker.status).toBe(200);
  const next = await browser.submit(picker, { account: upn });
  const redirect = await browser.submit(next, answer);
  expect(redirect.status).toBe(302);
  const target = new URL(redirect.location!);
  expect(`${target.origin}${target.pathname}`).toBe(`${settings.publicUrl}/auth/consent/callback`);
  return Object.fromEntries(target.searchParams.entries());
}

const deps = (now = () => new Date()) => ({ store, tokens, appId, now });

const stateError = (promise: Promise<unknown>) => rejectedWith(promise, ConsentStateError);

async function expectNothingRecorded() {
  expect(tokenRequests).toEqual([]);
  expect(await store.getIntegration(contoso)).toBeUndefined();
  expect(await store.listAudit(contoso, { limit: 10 })).toEqual([]);
}

describe('startAdminConsent', () => {
  it('builds the v2 adminconsent URL for the admin’s own tenant with a fresh 32-byte state, valid 10 minutes', async () => {
    const now = new Date('2026-11-28T10:00:00.000Z');
    const first = await startAdminConsent(store, settings, admin, now, 'ews');
    const second = await startAdminConsent(store, settings, admin, now, 'ews');
    const url = new URL(first.consentUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.urls.entra}/${contoso}/v2.0/adminconsent`);
    expect([...url.searchParams.keys()]).toEqual(['client_id', 'scope', 'redirect_uri', 'state']);
    expect(url.searchParams.get('client_id')).toBe(appId);
    expect(url.searchParams.get('scope')).toBe(SCOPE);
    expect(url.searchParams.get('redirect_uri')).toBe(`${settings.publicUrl}/auth/consent/callback`);
    const state = url.searchParams.get('state')!;
    expect(Buffer.from(state, 'base64url')).toHaveLength(32);
    expect(new URL(second.consentUrl).searchParams.get('state')).not.toBe(state);
    expect(first.expiresAt).toBe(new Date(now.getTime() + CONSENT_STATE_TTL_MS).toISOString());
  });
});

describe('completeAdminConsent after the real consent pages', () => {
  it('accept → granted once an app-only token with full_access_as_app is issued for the state’s tenant (legacy EWS)', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date(), 'ews');
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
    expect(query).toMatchObject({ admin_consent: 'True', tenant: contoso });

    const done = await completeAdminConsent(deps(), query);
    expect(done).toEqual({
      tenantId: contoso,
      userId: admin.oid,
      upn: 'admin@contoso.com',
      consented: true,
      outcome: 'granted',
      protocol: 'ews',
      roles: ['full_access_as_app'],
      reportedTenant: contoso,
    });
    expect(tokenRequests).toEqual([`${sandbox.urls.entra}/${contoso}/oauth2/v2.0/token`]);
  });

  it('Microsoft Graph by default: the Graph scope is asked for, and granted once the token carries Calendars.ReadWrite and Place.Read.All', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    expect(new URL(consentUrl).searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
    const done = await completeAdminConsent(deps(), query);
    expect(done).toMatchObject({ consented: true, outcome: 'granted', protocol: 'graph' });
    expect(done.roles).toEqual(expect.arrayContaining(['Calendars.ReadWrite', 'Place.Read.All']));
    expect(done.roles).not.toContain('full_access_as_app');
  });

  it('accept while the grant replicates → consented, but pending: the token has no role yet', async () => {
    await sandbox.control('PUT', '/entra/propagation', { seconds: 600 });
    try {
      const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
      const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
      const done = await completeAdminConsent(deps(), query);
      expect(done.consented).toBe(true);
      expect(done.roles).toEqual([]);
      expect(done.diagnostic).toMatchObject({ kind: 'consent_pending', code: 'role_not_yet_in_token' });
      expect(consentPopupResult(done)).toMatchObject({
        outcome: 'granted',
        remediation: remediationFor('consent_pending', { appId }),
      });
    } finally {
      await sandbox.control('PUT', '/entra/propagation', { seconds: 0 });
    }
  });

  it('cancel → declined with AADSTS65004, no token requested', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'cancel' });
    const done = await completeAdminConsent(deps(), query);
    expect(done.consented).toBe(false);
    expect(consentPopupResult(done)).toEqual({
      outcome: 'declined',
      code: 'AADSTS65004',
      message: 'Admin consent was cancelled; nothing was granted.',
      remediation: remediationFor('consent_declined', { appId }),
    });
    expect(tokenRequests).toEqual([]);
  });

  it('a non-admin in the popup → failed, not_global_admin, AADSTS90094', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const query = await walkConsent(consentUrl, 'alex@contoso.com', {});
    const done = await completeAdminConsent(deps(), query);
    expect(done.consented).toBe(false);
    expect(done.diagnostic).toMatchObject({ kind: 'not_global_admin', code: 'AADSTS90094' });
    expect(consentPopupResult(done)).toMatchObject({ outcome: 'failed', code: 'AADSTS90094' });
    expect(consentPopupResult(done).message).toContain('AADSTS90094: The grant requires admin permission.');
    expect(consentPopupResult(done).message).not.toContain('Trace ID');
    expect(done.userId).toBe(admin.oid);
  });

  it('a granted callback whose token is refused (consent revoked meanwhile) → failed with Entra’s diagnostic', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
    await sandbox.control('DELETE', `/entra/consent/${contoso}`);
    const done = await completeAdminConsent(deps(), query);
    expect(done.consented).toBe(false);
    expect(consentPopupResult(done)).toMatchObject({ outcome: 'failed', code: 'AADSTS700016' });
    expect(done.diagnostic?.kind).toBe('consent_missing');
  });
});

describe('state attacks: 400, nothing stored', () => {
  it('a reused state is refused the second time', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
    await completeAdminConsent(deps(), query);
    tokenRequests = [];
    const error = await stateError(completeAdminConsent(deps(), query));
    expect(error).toMatchObject({ code: 'invalid_state', reason: 'unknown' });
    await expectNothingRecorded();
  });

  it('an expired state is refused (10 minutes, injected clock)', async () => {
    const issuedAt = new Date();
    const { consentUrl } = await startAdminConsent(store, settings, admin, issuedAt);
    const query = await walkConsent(consentUrl, 'admin@contoso.com', { decision: 'accept' });
    const later = () => new Date(issuedAt.getTime() + CONSENT_STATE_TTL_MS + 1000);
    const error = await stateError(completeAdminConsent(deps(later), query));
    expect(error).toMatchObject({ code: 'invalid_state', reason: 'unknown' });
    await expectNothingRecorded();
  });

  it('a callback without state is refused', async () => {
    const error = await stateError(
      completeAdminConsent(deps(), { admin_consent: 'True', tenant: contoso, scope: SCOPE }),
    );
    expect(error).toMatchObject({ code: 'invalid_state', reason: 'missing' });
    await expectNothingRecorded();
  });

  it('a state that was never issued is refused', async () => {
    const forged = Buffer.alloc(32, 7).toString('base64url');
    const error = await stateError(
      completeAdminConsent(deps(), { admin_consent: 'True', tenant: contoso, scope: SCOPE, state: forged }),
    );
    expect(error.reason).toBe('unknown');
    await expectNothingRecorded();
  });

  it('a repeated state parameter is refused as missing', async () => {
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const state = new URL(consentUrl).searchParams.get('state')!;
    const error = await stateError(
      completeAdminConsent(deps(), { admin_consent: 'True', state: [state, state] }),
    );
    expect(error.reason).toBe('missing');
    expect(tokenRequests).toEqual([]);
  });

  it('a foreign tenant in the query is ignored: the tenant is the one bound to the state', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: contoso });
    const { consentUrl } = await startAdminConsent(store, settings, admin, new Date());
    const state = new URL(consentUrl).searchParams.get('state')!;
    const done = await completeAdminConsent(deps(), {
      admin_consent: 'True',
      tenant: fabrikam,
      scope: SCOPE,
      state,
    });
    expect(done).toMatchObject({
      tenantId: contoso,
      userId: admin.oid,
      consented: true,
      reportedTenant: fabrikam,
    });
    expect(tokenRequests).toEqual([`${sandbox.urls.entra}/${contoso}/oauth2/v2.0/token`]);
  });
});
