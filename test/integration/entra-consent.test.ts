/**
 * The sandbox admin-consent endpoint walked as a browser would: fetch each page over HTTPS, post
 * its form, and assert the redirect back to the app parameter by parameter.
 */
import { ConsentBrowser, formOf, type Page } from '../support/consent-browser';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

const SCOPE = 'https://outlook.office365.com/.default';
const STATE = 'state-7f3c';

let sandbox: TestSandbox;
let browser: ConsentBrowser;
let contoso: string;
let fabrikam: string;
let appId: string;
let callback: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  browser = new ConsentBrowser(sandbox.agent, sandbox.urls.entra);
  const { seed } = sandbox.context;
  contoso = seed.tenants[0]!.id;
  fabrikam = seed.tenants[1]!.id;
  appId = seed.app.clientId;
  callback = `${sandbox.context.appBaseUrl}/auth/consent/callback`;
});
afterAll(() => sandbox.close());

function consentUrl(tenant: string, params: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: appId,
    scope: SCOPE,
    redirect_uri: callback,
    state: STATE,
    ...params,
  });
  return `${sandbox.urls.entra}/${tenant}/v2.0/adminconsent?${query.toString()}`;
}

/** Opens the consent URL and signs in as `upn` on the sandbox account picker. */
async function signIn(tenant: string, upn: string, params: Record<string, string> = {}): Promise<Page> {
  const picker = await browser.browse(consentUrl(tenant, params));
  expect(picker.status).toBe(200);
  expect(picker.html).toContain('Sandbox sign-in: pick an account');
  return browser.submit(picker, { account: upn });
}

function redirectParams(page: Page): [string, string][] {
  expect(page.status).toBe(302);
  const target = new URL(page.location!);
  expect(`${target.origin}${target.pathname}`).toBe(callback);
  return [...target.searchParams.entries()];
}

const consentState = async (tenant: string) =>
  (await sandbox.control<{ state: string; grantedBy?: string }>('GET', `/entra/consent/${tenant}`)).body;

describe('admin consent (/{tenant}/v2.0/adminconsent)', () => {
  afterEach(async () => {
    for (const tenant of [contoso, fabrikam]) await sandbox.control('DELETE', `/entra/consent/${tenant}`);
  });

  it('preselects the login_hint account on the sandbox sign-in page', async () => {
    const picker = await browser.browse(consentUrl(contoso, { login_hint: 'alex@contoso.com' }));
    expect(picker.html).toMatch(/name="account" value="alex@contoso\.com" checked>/);
    expect(picker.html).not.toMatch(/value="admin@contoso\.com" checked/);
    expect(picker.html).toMatch(/<label for="account-\d+">/);
  });

  it('shows the consent prompt and, on Accept, grants consent and redirects with admin_consent=True', async () => {
    const prompt = await signIn(contoso, 'admin@contoso.com');
    expect(prompt.status).toBe(200);
    expect(prompt.html).toContain('Exchange Connect');
    expect(prompt.html).toContain('exchangeconnect.onmicrosoft.com');
    expect(prompt.html).toContain('Use Exchange Web Services with full access to all mailboxes');
    expect(prompt.html).toMatch(/<button type="submit" name="decision" value="accept"[^>]*>Accept<\/button>/);
    expect(prompt.html).toMatch(/<button type="submit" name="decision" value="cancel">Cancel<\/button>/);

    const done = await browser.submit(prompt, { decision: 'accept' });
    expect(redirectParams(done)).toEqual([
      ['admin_consent', 'True'],
      ['tenant', contoso],
      ['scope', SCOPE],
      ['state', STATE],
    ]);
    const admin = sandbox.context.seed.tenants[0]!.users.find((u) => u.upn === 'admin@contoso.com')!;
    expect(await consentState(contoso)).toMatchObject({ state: 'effective', grantedBy: admin.id });
  });

  it('redirects with access_denied / cancel / AADSTS65004 when the admin cancels, granting nothing', async () => {
    const prompt = await signIn(contoso, 'admin@contoso.com');
    const params = redirectParams(await browser.submit(prompt, { decision: 'cancel' }));
    expect(params.map(([name]) => name)).toEqual(['error', 'error_subcode', 'error_description', 'state']);
    expect(Object.fromEntries(params)).toMatchObject({
      error: 'access_denied',
      error_subcode: 'cancel',
      state: STATE,
    });
    expect(Object.fromEntries(params).error_description).toMatch(
      /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/,
    );
    expect((await consentState(contoso)).state).toBe('none');
  });

  it('tells a non-admin that admin approval is needed, then redirects with AADSTS90094', async () => {
    const approval = await signIn(contoso, 'alex@contoso.com');
    expect(approval.status).toBe(200);
    expect(approval.location).toBeUndefined();
    expect(approval.html).toContain('Need admin approval');
    expect(approval.html).toContain('AADSTS90094');

    const params = redirectParams(await browser.submit(approval, {}));
    expect(params.map(([name]) => name)).toEqual(['error', 'error_description', 'state']);
    expect(Object.fromEntries(params).error).toBe('access_denied');
    expect(Object.fromEntries(params).error_description).toMatch(
      /^AADSTS90094: The grant requires admin permission\.\r\n/,
    );
    expect((await consentState(contoso)).state).toBe('none');
  });

  it('stops a user from another directory on an AADSTS50020 error page, with no redirect', async () => {
    const page = await signIn(contoso, 'admin@fabrikam.com');
    expect(page.status).toBe(200);
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('AADSTS50020');
    expect(page.html).toContain('admin@fabrikam.com');
    expect((await consentState(contoso)).state).toBe('none');
  });

  it('consents for the signed-in admin’s own tenant under /organizations', async () => {
    const prompt = await signIn('organizations', 'admin@fabrikam.com');
    const params = Object.fromEntries(redirectParams(await browser.submit(prompt, { decision: 'accept' })));
    expect(params).toMatchObject({ admin_consent: 'True', tenant: fabrikam });
    expect((await consentState(fabrikam)).state).toBe('effective');
  });

  it('shows AADSTS50011 and does not redirect for an unregistered redirect_uri', async () => {
    const page = await browser.browse(consentUrl(contoso, { redirect_uri: 'https://evil.example/callback' }));
    expect(page.status).toBe(200);
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('AADSTS50011');
    expect(page.html).toContain('https://evil.example/callback');
  });

  it('shows AADSTS700016 and does not redirect for an unknown client_id', async () => {
    const page = await browser.browse(
      consentUrl(contoso, { client_id: '00000000-0000-0000-0000-0000000000aa' }),
    );
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('AADSTS700016');
  });

  it('does not accept a consent form whose signed account was tampered with', async () => {
    const prompt = await signIn(contoso, 'admin@contoso.com');
    const { fields } = formOf(prompt);
    const [payload, mac] = fields.ticket!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, tenantId: fabrikam })).toString('base64url');
    const page = await browser.submit(prompt, { decision: 'accept', ticket: `${forged}.${mac}` });
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('AADSTS90015');
    expect((await consentState(contoso)).state).toBe('none');
    expect((await consentState(fabrikam)).state).toBe('none');
  });

  it('escapes request values it echoes into the page', async () => {
    const page = await browser.browse(consentUrl(contoso, { state: '"><script>alert(1)</script>' }));
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(formOf(page).fields.state).toBe('"><script>alert(1)</script>');
  });
});
