/**
 * Who may open which mailbox through the sandbox Graph: admin consent per tenant and per resource
 * (v2 adminconsent with `scope`, each grant propagating on its own), removing one tenant-wide
 * permission, and Exchange Online RBAC for Applications (service principal, management scope,
 * role assignment, propagation, Test-ServicePrincipalAuthorization). The clock is injected: no sleeps.
 */
import { ConsentBrowser, type Page } from '../support/consent-browser';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  EXCHANGE_SCOPE,
  GRAPH_SCOPE,
  appToken,
  graph,
  rolesOf,
  type GraphErrorBody,
} from '../support/sandbox-graph';

const ADMIN = 'admin@contoso.com';
const OSLO = 'room.oslo@contoso.com';
const CONSENT_PROPAGATION_MS = 60_000;
const RBAC_PROPAGATION_MS = 30_000;

let nowMs = Date.now();
let sandbox: TestSandbox;
let appId: string;

beforeAll(async () => {
  sandbox = await startTestSandbox({
    now: () => nowMs,
    appRequestsGraph: true,
    consentPropagationMs: CONSENT_PROPAGATION_MS,
    rbacPropagationMs: RBAC_PROPAGATION_MS,
  });
  appId = sandbox.context.seed.app.clientId;
});
afterAll(() => sandbox.close());

const advance = (ms: number) => {
  nowMs += ms;
};

interface ConsentView {
  state: string;
  servicePrincipalId?: string;
  scope?: string;
  permissions: Array<{ resource: string; permission: string; id: string; state: string }>;
}
const consentOf = async (tenant: string) =>
  (await sandbox.control<ConsentView>('GET', `/entra/consent/${tenant}`)).body;

describe('admin consent per tenant and per resource', () => {
  const browser = () => new ConsentBrowser(sandbox.agent, sandbox.urls.entra);
  const callback = () => `${sandbox.context.appBaseUrl}/auth/consent/callback`;

  async function consent(tenant: string, upn: string, scope: string): Promise<{ prompt: Page; done: Page }> {
    const query = new URLSearchParams({ client_id: appId, scope, redirect_uri: callback(), state: 's1' });
    const picker = await browser().browse(
      `${sandbox.urls.entra}/${tenant}/v2.0/adminconsent?${query.toString()}`,
    );
    const prompt = await browser().submit(picker, { account: upn });
    const done = await browser().submit(prompt, { decision: 'accept' });
    return { prompt, done };
  }

  it('grants only the resource the scope names, each grant propagating on its own', async () => {
    const graphConsent = await consent('northwind.com', 'admin@northwind.com', GRAPH_SCOPE);
    expect(graphConsent.prompt.html).toContain('Read and write calendars in all mailboxes');
    expect(graphConsent.prompt.html).toContain('Read all company places');
    expect(graphConsent.prompt.html).not.toContain('Use Exchange Web Services');
    expect(new URL(graphConsent.done.location!).searchParams.get('scope')).toBe(GRAPH_SCOPE);
    let view = await consentOf('northwind.com');
    expect(view.state).toBe('propagating');
    expect(view.permissions.map((p) => [p.permission, p.state])).toEqual([
      ['Calendars.ReadWrite', 'propagating'],
      ['Place.Read.All', 'propagating'],
    ]);
    expect(view.permissions[0]!.id).toBe('ef54d2bf-783f-4e0f-bca1-3210c0444d99');
    expect(view.permissions[1]!.id).toBe('913b9306-0ce1-42b8-9137-6a7df690a760');

    // The service principal exists at once; its app roles land after propagation.
    expect(rolesOf(await appToken(sandbox, 'northwind.com', GRAPH_SCOPE))).toEqual([]);
    advance(CONSENT_PROPAGATION_MS + 1000);
    expect(rolesOf(await appToken(sandbox, 'northwind.com', GRAPH_SCOPE))).toEqual([
      'Calendars.ReadWrite',
      'Place.Read.All',
    ]);
    // Exchange was not named by the scope: no full_access_as_app.
    expect(rolesOf(await appToken(sandbox, 'northwind.com', EXCHANGE_SCOPE))).toEqual([]);

    await consent('northwind.com', 'admin@northwind.com', EXCHANGE_SCOPE);
    view = await consentOf('northwind.com');
    expect(view.permissions.map((p) => [p.permission, p.state])).toEqual([
      ['Calendars.ReadWrite', 'effective'],
      ['Place.Read.All', 'effective'],
      ['full_access_as_app', 'propagating'],
    ]);
    expect(rolesOf(await appToken(sandbox, 'northwind.com', EXCHANGE_SCOPE))).toEqual([]);
    advance(CONSENT_PROPAGATION_MS + 1000);
    expect(rolesOf(await appToken(sandbox, 'northwind.com', EXCHANGE_SCOPE))).toEqual(['full_access_as_app']);
    expect((await consentOf('northwind.com')).state).toBe('effective');
  });

  it('grants both resources for a space-separated scope, and refuses a resource the app does not request', async () => {
    const both = await consent(
      'tailspintoys.com',
      'admin@tailspintoys.com',
      `${GRAPH_SCOPE} ${EXCHANGE_SCOPE}`,
    );
    expect(both.prompt.html).toContain('Use Exchange Web Services with full access to all mailboxes');
    expect((await consentOf('tailspintoys.com')).permissions).toHaveLength(3);

    const query = new URLSearchParams({
      client_id: appId,
      scope: 'https://management.azure.com/.default',
      redirect_uri: callback(),
      state: 's2',
    });
    const refused = await browser().browse(
      `${sandbox.urls.entra}/contoso.com/v2.0/adminconsent?${query.toString()}`,
    );
    expect(new URL(refused.location!).searchParams.get('error')).toBe('invalid_scope');
    await sandbox.control('DELETE', '/entra/consent/tailspintoys.com');
  });

  it('grants every permission of the registration from the control API, and removes one on request', async () => {
    const granted = await sandbox.control<ConsentView>('POST', '/entra/consent', { tenant: 'contoso.com' });
    expect(granted.status).toBe(201);
    expect(granted.body.scope).toBe(`${EXCHANGE_SCOPE} ${GRAPH_SCOPE}`);
    expect(granted.body.permissions.map((p) => p.permission)).toEqual([
      'full_access_as_app',
      'Calendars.ReadWrite',
      'Place.Read.All',
    ]);
    advance(CONSENT_PROPAGATION_MS + 1000);
    expect(
      (await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Calendars.ReadWrite')).status,
    ).toBe(204);
    expect(rolesOf(await appToken(sandbox, 'contoso.com', GRAPH_SCOPE))).toEqual(['Place.Read.All']);
    expect(rolesOf(await appToken(sandbox, 'contoso.com', EXCHANGE_SCOPE))).toEqual(['full_access_as_app']);
    const missing = await sandbox.control<{ code: string }>(
      'DELETE',
      '/entra/consent/contoso.com/permissions/Calendars.ReadWrite',
    );
    expect(missing).toMatchObject({ status: 404, body: { code: 'permission_not_found' } });
    // Re-granted for the RBAC tests below, which remove it themselves.
    await sandbox.control('POST', '/entra/consent/contoso.com/permissions', {
      permission: 'Calendars.ReadWrite',
    });
    advance(CONSENT_PROPAGATION_MS + 1000);
  });
});

describe('RBAC for Applications (Exchange Online)', () => {
  const rbac = (method: string, path: string, body?: unknown) =>
    sandbox.control<Record<string, unknown>>(method, `/exchange/rbac/contoso.com${path}`, body);
  const calendarOf = async (mailbox: string) =>
    graph(sandbox, await appToken(sandbox, 'contoso.com', GRAPH_SCOPE), `/users/${mailbox}/calendar`);
  const denied = (res: { status: number; body: unknown }) => {
    expect(res.status).toBe(403);
    expect((res.body as GraphErrorBody).error).toMatchObject({
      code: 'ErrorAccessDenied',
      message: 'Access is denied. Check credentials and try again.',
    });
  };

  it('scopes the app to room mailboxes once the tenant-wide grant is gone and the assignment has propagated', async () => {
    expect((await rbac('POST', '/service-principals', { appId })).status).toBe(201);
    expect(
      (
        await rbac('POST', '/scopes', {
          name: 'Rooms',
          recipientRestrictionFilter: "RecipientTypeDetails -eq 'RoomMailbox'",
        })
      ).status,
    ).toBe(201);
    const assignment = await rbac('POST', '/role-assignments', {
      app: appId,
      role: 'Application Calendars.ReadWrite',
      customResourceScope: 'Rooms',
    });
    expect(assignment).toMatchObject({
      status: 201,
      body: { role: 'Application Calendars.ReadWrite', customResourceScope: 'Rooms', effective: false },
    });

    const authorization = async (mailbox: string) =>
      (await rbac('GET', `/authorization?app=${appId}&resource=${mailbox}`)).body.value as Array<
        Record<string, unknown>
      >;
    expect(await authorization(OSLO)).toEqual([
      {
        roleName: 'Application Calendars.ReadWrite',
        grantedPermissions: ['Calendars.ReadWrite'],
        allowedResourceScope: 'Rooms',
        scopeType: 'CustomRecipientScope',
        inScope: true,
        effective: false,
      },
    ]);
    expect((await authorization(ADMIN))[0]).toMatchObject({ inScope: false });

    // Tenant-wide grants are additive: while Calendars.ReadWrite is consented, the scope restricts nothing.
    expect((await calendarOf(ADMIN)).status).toBe(200);
    expect(
      (await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Calendars.ReadWrite')).status,
    ).toBe(204);
    // Now only the assignment can grant, and it has not propagated yet.
    denied(await calendarOf(OSLO));
    denied(await calendarOf(ADMIN));

    advance(RBAC_PROPAGATION_MS + 1000);
    expect((await authorization(OSLO))[0]).toMatchObject({ inScope: true, effective: true });
    expect((await calendarOf(OSLO)).status).toBe(200);
    expect((await calendarOf('room.berlin@contoso.com')).status).toBe(200);
    denied(await calendarOf(ADMIN));
    denied(await calendarOf('alex@contoso.com'));
    const token = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
    const view = await graph(
      sandbox,
      token,
      `/users/${OSLO}/calendarView?startDateTime=2031-01-01T00:00:00Z&endDateTime=2031-01-02T00:00:00Z`,
    );
    expect(view.status).toBe(200);
    // A user without any mailbox is no recipient a scope can cover; Graph says it has no mailbox.
    const nomailbox = await graph<GraphErrorBody>(
      sandbox,
      token,
      '/users/admin.nomailbox@contoso.com/calendar',
    );
    expect(nomailbox.body.error.code).toBe('MailboxNotEnabledForRESTAPI');
  });

  it('adds a second scope for user mailboxes with Calendars.Read, then revokes it at once', async () => {
    await rbac('POST', '/scopes', {
      name: 'Users',
      recipientRestrictionFilter: "RecipientTypeDetails -eq 'UserMailbox'",
    });
    const created = await rbac('POST', '/role-assignments', {
      app: appId,
      role: 'Application Calendars.Read',
      customResourceScope: 'Users',
      name: 'Read users',
    });
    expect(created.status).toBe(201);
    denied(await calendarOf(ADMIN));
    advance(RBAC_PROPAGATION_MS + 1000);
    expect((await calendarOf(ADMIN)).status).toBe(200);
    expect((await rbac('DELETE', '/role-assignments/Read users')).status).toBe(204);
    denied(await calendarOf(ADMIN));
    expect((await calendarOf(OSLO)).status).toBe(200);
  });

  it('refuses what Exchange refuses: a bad filter, an unknown role or app, removing a scope in use', async () => {
    expect(
      await rbac('POST', '/scopes', {
        name: 'Broken',
        recipientRestrictionFilter: 'RecipientTypeDetails -eq',
      }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_filter' } });
    expect(
      await rbac('POST', '/scopes', { name: 'Nope', recipientRestrictionFilter: "Colour -eq 'Blue'" }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_filter' } });
    expect(
      await rbac('POST', '/role-assignments', { app: appId, role: 'Application Calendars.Everything' }),
    ).toMatchObject({ status: 404, body: { code: 'role_not_found' } });
    expect(
      await rbac('POST', '/role-assignments', {
        app: '11111111-2222-4333-8444-555555555555',
        role: 'Application Calendars.Read',
      }),
    ).toMatchObject({ status: 404 });
    expect(await rbac('DELETE', '/scopes/Rooms')).toMatchObject({
      status: 409,
      body: { code: 'scope_in_use' },
    });
    const parsed = await rbac('POST', '/scopes', {
      name: 'Oslo or Berlin',
      recipientRestrictionFilter:
        "(PrimarySmtpAddress -like 'room.oslo*' -or PrimarySmtpAddress -eq 'room.berlin@contoso.com') -and -not (RecipientTypeDetails -ne 'RoomMailbox')",
    });
    expect(parsed.status).toBe(201);
  });

  it('ignores a service principal created with the app registration’s object id instead of the enterprise application’s', async () => {
    await sandbox.control('POST', '/entra/consent', { tenant: 'northwind.com' });
    advance(CONSENT_PROPAGATION_MS + 1000);
    await sandbox.control('DELETE', '/entra/consent/northwind.com/permissions/Calendars.ReadWrite');
    const northwind = (method: string, path: string, body?: unknown) =>
      sandbox.control<Record<string, unknown>>(method, `/exchange/rbac/northwind.com${path}`, body);
    await northwind('POST', '/service-principals', {
      appId,
      objectId: '0b7c3f0e-4d55-4e6a-9c1b-2f3a4b5c6d7e',
    });
    await northwind('POST', '/role-assignments', { app: appId, role: 'Application Calendars.ReadWrite' });
    advance(RBAC_PROPAGATION_MS + 1000);
    const token = await appToken(sandbox, 'northwind.com', GRAPH_SCOPE);
    denied(await graph(sandbox, token, '/users/admin@northwind.com/calendar'));

    const spId = (await consentOf('northwind.com')).servicePrincipalId;
    await northwind('DELETE', `/service-principals/${appId}`);
    await northwind('POST', '/service-principals', { appId, objectId: spId });
    await northwind('POST', '/role-assignments', { app: appId, role: 'Application Calendars.ReadWrite' });
    advance(RBAC_PROPAGATION_MS + 1000);
    // An assignment without a custom scope covers the whole organisation.
    expect((await graph(sandbox, token, '/users/admin@northwind.com/calendar')).status).toBe(200);
    expect((await graph(sandbox, token, '/users/room.seville@northwind.com/calendar')).status).toBe(200);
  });

  it('keeps Places an Entra permission: RBAC does not grant it, Place.Read.All does', async () => {
    const token = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
    expect(rolesOf(token)).toEqual(['Place.Read.All']);
    expect((await graph(sandbox, token, '/places/microsoft.graph.room')).status).toBe(200);
    await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Place.Read.All');
    const none = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
    denied(await graph(sandbox, none, '/places/microsoft.graph.room'));
  });

  it('sets the RBAC propagation delay from the control API', async () => {
    expect((await sandbox.control('PUT', '/exchange/rbac/propagation', { seconds: 0 })).body).toEqual({
      seconds: 0,
    });
    expect(sandbox.context.exchange.rbac.propagationMs).toBe(0);
    expect((await sandbox.control('PUT', '/exchange/rbac/propagation', { seconds: -1 })).status).toBe(400);
  });
});
