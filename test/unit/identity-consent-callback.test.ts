/**
 * The admin-consent URL and callback parsing, without sockets: Entra's redirect parameters in,
 * a discriminated outcome out. The token provider is a fake of our own port, the store real SQLite.
 */
import {
  buildAdminConsentUrl,
  completeAdminConsent,
  parseConsentCallback,
  startAdminConsent,
} from '../../api/src/identity/admin-consent';
import { consentPopupResult } from '../../api/src/http/consent-routes';
import type { AppTokenProvider } from '../../api/src/identity/port';
import { remediationFor } from '../../api/src/remediation';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';

const TENANT = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const APP = '5f1e6bd2-2c9b-4bb4-8f35-1a0d5e3c9a11';
const TRACE =
  '\r\nTrace ID: 6b0f0c1e-58c1-4f39-9a55-2f1d3f6b7a10\r\nCorrelation ID: 1f0e2d3c-4b5a-4968-8776-655443322110\r\nTimestamp: 2026-11-28 10:00:00Z';

describe('buildAdminConsentUrl', () => {
  const input = {
    authorityHost: 'https://login.microsoftonline.com',
    clientId: APP,
    redirectUri: 'https://app.example.com/auth/consent/callback',
    tenantId: TENANT,
    state: 'abc_-',
  };

  it('targets /{tenant}/v2.0/adminconsent with exactly client_id, scope, redirect_uri and state (legacy EWS)', () => {
    expect(buildAdminConsentUrl({ ...input, protocol: 'ews' })).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent?client_id=${APP}` +
        '&scope=https%3A%2F%2Foutlook.office365.com%2F.default' +
        '&redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2Fconsent%2Fcallback&state=abc_-',
    );
  });

  it("asks for Microsoft Graph's configured permissions for a Graph connection", () => {
    expect(buildAdminConsentUrl({ ...input, protocol: 'graph' })).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent?client_id=${APP}` +
        '&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default' +
        '&redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2Fconsent%2Fcallback&state=abc_-',
    );
  });
});

describe('parseConsentCallback', () => {
  it('reads a grant', () => {
    expect(
      parseConsentCallback({
        admin_consent: 'True',
        tenant: TENANT,
        scope: 'https://outlook.office365.com/.default',
        state: 's',
      }),
    ).toEqual({
      type: 'granted',
      state: 's',
      scope: 'https://outlook.office365.com/.default',
      tenantParam: TENANT,
    });
  });

  it('reads a cancel as declined (error_subcode=cancel, AADSTS65004)', () => {
    expect(
      parseConsentCallback({
        error: 'access_denied',
        error_subcode: 'cancel',
        error_description: `AADSTS65004: User declined to consent to access the app.${TRACE}`,
        state: 's',
      }),
    ).toMatchObject({ type: 'declined', state: 's', aadstsCode: 'AADSTS65004' });
  });

  it('reads other errors with their AADSTS code', () => {
    expect(
      parseConsentCallback({
        error: 'access_denied',
        error_description: `AADSTS90094: The grant requires admin permission.${TRACE}`,
        state: 's',
      }),
    ).toMatchObject({ type: 'error', error: 'access_denied', aadstsCode: 'AADSTS90094' });
  });

  it('is invalid without a single state value', () => {
    expect(parseConsentCallback({ admin_consent: 'True' })).toEqual({ type: 'invalid' });
    expect(parseConsentCallback({ admin_consent: 'True', state: '' })).toEqual({ type: 'invalid' });
    expect(parseConsentCallback({ admin_consent: 'True', state: ['a', 'b'] })).toEqual({ type: 'invalid' });
  });

  it('treats a redirect that neither grants nor names an error as an error', () => {
    expect(parseConsentCallback({ state: 's', admin_consent: 'False' })).toEqual({
      type: 'error',
      state: 's',
      error: 'no_admin_consent',
    });
  });
});

describe('completeAdminConsent with an error redirect', () => {
  it('maps AADSTS50020 (user from another directory) to wrong_directory without asking for a token', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    let tokenCalls = 0;
    const tokens: AppTokenProvider = {
      getAppToken: () => {
        tokenCalls += 1;
        return Promise.reject(new Error('not expected'));
      },
    };
    try {
      const user = { tenantId: TENANT, oid: 'oid-1', upn: 'admin@contoso.com', isGlobalAdmin: true };
      const settings = {
        authorityHost: 'https://login.microsoftonline.com',
        clientId: APP,
        publicUrl: 'https://app.example.com',
      };
      const { consentUrl } = await startAdminConsent(store, settings, user, new Date());
      const state = new URL(consentUrl).searchParams.get('state')!;
      const done = await completeAdminConsent(
        { store, tokens, appId: APP, now: () => new Date() },
        {
          error: 'invalid_request',
          error_description: `AADSTS50020: User account 'admin@fabrikam.com' from identity provider 'https://sts.windows.net/x/' does not exist in tenant 'Contoso'.${TRACE}`,
          state,
        },
      );
      expect(done).toMatchObject({ tenantId: TENANT, userId: 'oid-1', consented: false });
      expect(consentPopupResult(done)).toMatchObject({
        outcome: 'failed',
        code: 'AADSTS50020',
        remediation: remediationFor('wrong_directory', { appId: APP }),
      });
      expect(tokenCalls).toBe(0);
    } finally {
      await store.close();
    }
  });
});
