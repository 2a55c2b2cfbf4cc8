/**
 * EWS stand-in fidelity: every tenant of the seed (Exchange Online by the token's tid, Exchange
 * Server by host or account), the distinguished folders a client opens through `root`, X-AnchorMailbox
 * (recorded, and required for impersonating app-only calls), EWS blocks with X-EWS-Policy-Reason,
 * and the HTTP 200 ErrorInternalServerError / ErrorServerBusy throttling form — all schema-checked.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import {
  CalendarView,
  DateTime,
  Folder,
  FolderId,
  FolderTraversal,
  FolderView,
  Mailbox,
  ServiceError,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { issueAppOnlyToken, RESOURCES } from '../../sandbox/src/access-tokens';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { loadSeed, seedSchema, type Seed } from '../../sandbox/src/seed';
import { onlineService, rejectionOf, serverService } from '../support/ews-client';
import { expectSchemaValidTraffic } from '../support/ews-schema-expectations';
import { injectFaultOnce } from '../support/faults';
import { httpsJson, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { soapParts, validateAgainstEwsSchema } from '../support/xmllint';

const ADMIN = 'admin@contoso.com';
const OSLO = 'room.oslo@contoso.com';
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const TYPES = 'http://schemas.microsoft.com/exchange/services/2006/types';
const MESSAGES = 'http://schemas.microsoft.com/exchange/services/2006/messages';

/** A GetFolder request as any client writes it; `impersonate` adds ExchangeImpersonation. */
function getFolderEnvelope(folder: string, impersonate?: string): string {
  const impersonation = impersonate
    ? `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${impersonate}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
    : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP}" xmlns:t="${TYPES}" xmlns:m="${MESSAGES}">` +
    `<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/>${impersonation}</soap:Header>` +
    `<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>` +
    `<m:FolderIds><t:DistinguishedFolderId Id="${folder}"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`
  );
}

describe('Exchange Online EWS for every tenant and its fidelity details', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  const tenantId = (domain: string) => sandbox.context.index.tenant(domain)!.id;
  const token = (domain = 'contoso.com', tid = tenantId(domain)) =>
    issueAppOnlyToken(sandbox.context, {
      tenantId: tid,
      appId: sandbox.context.seed.app.clientId,
      resource: RESOURCES.exchange,
      roles: ['full_access_as_app'],
      servicePrincipalId: randomUUID(),
    });
  const service = async (impersonate: string, domain = 'contoso.com') =>
    onlineService(await token(domain), {
      url: sandbox.urls.exchangeOnline,
      caCertPem: sandbox.certs.caCertPem,
      impersonate,
    });
  const post = async (body: string, headers: Record<string, string>) =>
    httpsJson<string>(sandbox.agent, `${sandbox.urls.exchangeOnline}/EWS/Exchange.asmx`, 'POST', body, {
      'content-type': 'text/xml; charset=utf-8',
      ...headers,
    });
  const bearer = async (domain = 'contoso.com') => ({ authorization: `Bearer ${await token(domain)}` });
  const last = () => ewsTraffic(sandbox.context).list().at(-1)!;

  describe('every Exchange Online tenant, chosen by the token’s tid', () => {
    it('opens Northwind’s mailboxes with a Northwind token, and only those', async () => {
      const folder = await Folder.Bind(
        await service('admin@northwind.com', 'northwind.com'),
        WellKnownFolderName.Calendar,
      );
      expect(folder.DisplayName).toBe('Calendar');
      expect(last()).toMatchObject({ status: 200, tenantId: tenantId('northwind.com') });
      const rooms = await (await service('admin@northwind.com', 'northwind.com')).GetRoomLists();
      expect(rooms._getItem(0).Address).toBe('rooms.campus-a@northwind.com');

      const foreign = await rejectionOf(
        Folder.Bind(await service(ADMIN, 'northwind.com'), WellKnownFolderName.Calendar),
      );
      expect(foreign).toMatchObject({ httpStatus: 500, responseCode: ServiceError.ErrorNonExistentMailbox });
      await expect(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar)).resolves.toBeDefined();
    });

    it('answers a tenant not on Exchange Online (or unknown) as a tenant mismatch', async () => {
      for (const tid of [tenantId('fabrikam.com'), randomUUID()]) {
        const res = await post(getFolderEnvelope('calendar', ADMIN), {
          authorization: `Bearer ${await token('contoso.com', tid)}`,
          'x-anchormailbox': ADMIN,
        });
        expect(res.status).toBe(401);
        expect(res.headers['x-ms-diagnostics']).toMatch(/^2000003;.*error_category="invalid_tenant"/);
      }
    });

    it('blocks Tailspin Toys, whose organisation never enabled EWS', async () => {
      const res = await post(getFolderEnvelope('calendar', 'admin@tailspintoys.com'), {
        ...(await bearer('tailspintoys.com')),
        'x-anchormailbox': 'admin@tailspintoys.com',
      });
      expect(res.status).toBe(403);
      expect(res.headers['x-ews-policy-reason']).toBe('EWS is disabled for this user or tenant');
      expect(res.body).toBeFalsy();
    });
  });

  describe('distinguished folders', () => {
    it('binds root and every default folder, each with its folder class and parent', async () => {
      const svc = await service(ADMIN);
      const root = await Folder.Bind(svc, WellKnownFolderName.Root);
      // The mailbox root has an empty display name (the SDK reads the empty element as null).
      expect(root.DisplayName ?? '').toBe('');
      const expected: Array<[WellKnownFolderName, string]> = [
        [WellKnownFolderName.MsgFolderRoot, 'Top of Information Store'],
        [WellKnownFolderName.Inbox, 'Inbox'],
        [WellKnownFolderName.Drafts, 'Drafts'],
        [WellKnownFolderName.SentItems, 'Sent Items'],
        [WellKnownFolderName.DeletedItems, 'Deleted Items'],
        [WellKnownFolderName.Contacts, 'Contacts'],
        [WellKnownFolderName.Tasks, 'Tasks'],
        [WellKnownFolderName.Calendar, 'Calendar'],
      ];
      for (const [name, displayName] of expected) {
        expect((await Folder.Bind(svc, name)).DisplayName).toBe(displayName);
      }
      const body = (
        await post(getFolderEnvelope('contacts', ADMIN), { ...(await bearer()), 'x-anchormailbox': ADMIN })
      ).body;
      expect(body).toContain('<t:ContactsFolder>');
      const tasks = await post(getFolderEnvelope('tasks', ADMIN), {
        ...(await bearer()),
        'x-anchormailbox': ADMIN,
      });
      expect(tasks.body).toContain('<t:TasksFolder>');
    });

    it('finds folders below root and msgfolderroot, shallow, deep and paged', async () => {
      const svc = await service(ADMIN);
      const top = await svc.FindFolders(WellKnownFolderName.Root, new FolderView(10));
      expect(top.Folders.map((f) => f.DisplayName)).toEqual(['Top of Information Store']);
      const defaults = await svc.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(100));
      expect(defaults.Folders.map((f) => f.DisplayName)).toEqual(
        expect.arrayContaining([
          'Inbox',
          'Calendar',
          'Contacts',
          'Tasks',
          'Sent Items',
          'Deleted Items',
          'Drafts',
        ]),
      );
      expect(defaults.TotalCount).toBe(11);
      const deep = new FolderView(100);
      deep.Traversal = FolderTraversal.Deep;
      expect((await svc.FindFolders(WellKnownFolderName.Root, deep)).TotalCount).toBe(12);
      const page = await svc.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(4, 8));
      expect(page.Folders).toHaveLength(3);
      expect(page.MoreAvailable).toBe(false);
      const calendar = defaults.Folders.find((f) => f.DisplayName === 'Calendar')!;
      const items = await svc.FindAppointments(
        new FolderId(WellKnownFolderName.Calendar, new Mailbox(ADMIN)),
        new CalendarView(DateTime.Parse('2031-03-03T00:00:00Z'), DateTime.Parse('2031-03-04T00:00:00Z')),
      );
      expect(calendar.TotalCount).toBeGreaterThan(0);
      expect(items.Items.length).toBeGreaterThan(0);
    });
  });

  describe('X-AnchorMailbox', () => {
    it('is recorded on every request', async () => {
      await Folder.Bind(await service(OSLO), WellKnownFolderName.Calendar);
      expect(last()).toMatchObject({ anchorMailbox: OSLO, status: 200 });
    });

    it('is required with impersonation and app-only tokens, and must name the impersonated mailbox', async () => {
      for (const anchor of [undefined, OSLO, 'not-an-address']) {
        const res = await post(getFolderEnvelope('calendar', ADMIN), {
          ...(await bearer()),
          ...(anchor ? { 'x-anchormailbox': anchor } : {}),
        });
        expect(res.status).toBe(500);
        expect(res.body).toContain(
          '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorInternalServerTransientError</e:ResponseCode>',
        );
        expect(last().anchorMailbox).toBe(anchor);
      }
      for (const anchor of [ADMIN, 'Admin@Contoso.com', `SMTP:${ADMIN}`]) {
        const res = await post(getFolderEnvelope('calendar', ADMIN), {
          ...(await bearer()),
          'x-anchormailbox': anchor,
        });
        expect(res.status).toBe(200);
      }
    });
  });

  describe('EWS blocks (Control access to EWS in Exchange Online)', () => {
    const appId = () => sandbox.context.seed.app.clientId;
    const setEws = (config: object) => sandbox.control('PUT', '/exchange/ews/contoso.com', config);
    const call = async (mailbox = ADMIN, userAgent = 'ExchangeConnect/1.0') =>
      post(getFolderEnvelope('calendar', mailbox), {
        ...(await bearer()),
        'x-anchormailbox': mailbox,
        'user-agent': userAgent,
      });
    afterEach(async () => {
      await setEws({ enabled: true, allowedAppIds: [appId()], applicationAccessPolicy: null });
      await sandbox.control('PUT', `/exchange/mailboxes/${ADMIN}/ews`, { enabled: null });
    });

    it('says why: disabled for the organisation, or the app not allow-listed', async () => {
      expect((await setEws({ enabled: false, allowedAppIds: [appId()] })).status).toBe(204);
      let res = await call();
      expect(res.status).toBe(403);
      expect(res.headers['x-ews-policy-reason']).toBe('EWS is disabled for this user or tenant');
      await setEws({ enabled: true, allowedAppIds: [randomUUID()] });
      res = await call();
      expect(res.status).toBe(403);
      expect(res.headers['x-ews-policy-reason']).toBe('EWS is blocked by policy for this user or tenant');
      expect(last()).toMatchObject({ status: 403 });
    });

    it('compares application ids as GUIDs: an id pasted in upper case still allows the app', async () => {
      await setEws({ enabled: true, allowedAppIds: [appId().toUpperCase()] });
      expect((await call()).status).toBe(200);
    });

    it('blocks one mailbox with Set-CASMailbox -EwsEnabled $false, leaving the others', async () => {
      expect(
        (await sandbox.control('PUT', `/exchange/mailboxes/${ADMIN}/ews`, { enabled: false })).status,
      ).toBe(204);
      expect((await sandbox.control('GET', `/exchange/mailboxes/${ADMIN}/ews`)).body).toEqual({
        address: ADMIN,
        enabled: false,
      });
      const blocked = await call(ADMIN);
      expect(blocked.status).toBe(403);
      expect(blocked.headers['x-ews-policy-reason']).toBe('EWS is disabled for this user or tenant');
      expect((await call(OSLO)).status).toBe(200);
      await sandbox.control('PUT', `/exchange/mailboxes/${ADMIN}/ews`, { enabled: null });
      expect((await call(ADMIN)).status).toBe(200);
      expect(
        (await sandbox.control('PUT', '/exchange/mailboxes/nobody@contoso.com/ews', { enabled: false }))
          .status,
      ).toBe(404);
    });

    it('applies user-agent allow and block lists, and keeps them when the old body shape is sent', async () => {
      await setEws({
        enabled: true,
        allowedAppIds: [appId()],
        applicationAccessPolicy: 'EnforceAllowList',
        allowList: ['ExchangeConnect/*'],
      });
      expect((await call(ADMIN, 'ExchangeConnect/1.0')).status).toBe(200);
      const other = await call(ADMIN, 'SomethingElse/2.0');
      expect(other.status).toBe(403);
      expect(other.headers['x-ews-policy-reason']).toBe('EWS is blocked by policy for this user or tenant');
      // The control API's original body shape still works and leaves the user-agent policy as it was.
      expect((await setEws({ enabled: true, allowedAppIds: [appId()] })).status).toBe(204);
      expect((await call(ADMIN, 'SomethingElse/2.0')).status).toBe(403);
      await setEws({
        enabled: true,
        allowedAppIds: [appId()],
        applicationAccessPolicy: 'EnforceBlockList',
        blockList: ['Bad*'],
      });
      expect((await call(ADMIN, 'BadClient/1')).status).toBe(403);
      expect((await call(ADMIN, 'GoodClient/1')).status).toBe(200);
      const config = await sandbox.control('GET', '/exchange/ews/contoso.com');
      expect(config.body).toMatchObject({ applicationAccessPolicy: 'EnforceBlockList', blockList: ['Bad*'] });
    });
  });

  describe('throttling as HTTP 200: ErrorInternalServerError with ErrorServerBusy inside', () => {
    it('answers GetFolder, FindItem and GetRoomLists with the back-off in MessageXml, schema-valid', async () => {
      const svc = await service(ADMIN);
      await injectFaultOnce(sandbox, {
        service: 'ews',
        operation: 'GetFolder',
        kind: 'innerServerBusy',
        ms: 30_000,
      });
      const rejection = await rejectionOf(Folder.Bind(svc, WellKnownFolderName.Calendar));
      expect(rejection).toMatchObject({
        kind: 'ServiceResponseException',
        responseCode: ServiceError.ErrorInternalServerError,
        details: {
          InnerErrorResponseCode: 'ErrorServerBusy',
          BackOffMilliseconds: '30000',
          InnerErrorMessageText: 'The server cannot service this request right now. Try again later.',
        },
      });
      const answered = last();
      expect(answered).toMatchObject({ status: 200, operation: 'GetFolder' });
      expect(answered.responseBody).toContain('<m:GetFolderResponseMessage ResponseClass="Error">');
      expect(answered.responseBody).toContain('<m:ResponseCode>ErrorInternalServerError</m:ResponseCode>');
      const bodies = [answered.responseBody];

      await injectFaultOnce(sandbox, {
        service: 'ews',
        operation: 'FindItem',
        kind: 'innerServerBusy',
        ms: 1500,
      });
      const find = await rejectionOf(
        svc.FindAppointments(
          new FolderId(WellKnownFolderName.Calendar, new Mailbox(OSLO)),
          new CalendarView(DateTime.Now, DateTime.Now.AddDays(1)),
        ),
      );
      expect(find.details).toMatchObject({
        BackOffMilliseconds: '1500',
        InnerErrorResponseCode: 'ErrorServerBusy',
      });
      bodies.push(last().responseBody);

      await injectFaultOnce(sandbox, {
        service: 'ews',
        operation: 'GetRoomLists',
        kind: 'innerServerBusy',
        ms: 500,
      });
      const lists = await rejectionOf(svc.GetRoomLists());
      expect(lists.responseCode).toBe(ServiceError.ErrorInternalServerError);
      bodies.push(last().responseBody);

      expect(await validateAgainstEwsSchema(bodies.flatMap((b) => soapParts(b)))).toEqual([]);
      await expect(Folder.Bind(svc, WellKnownFolderName.Calendar)).resolves.toBeDefined();
    });

    it('is an EWS fault kind only', async () => {
      const refused = await sandbox.control('POST', '/faults', { service: 'graph', kind: 'innerServerBusy' });
      expect(refused.status).toBe(400);
    });
  });

  it('sent and answered only schema-valid EWS', async () => {
    await expectSchemaValidTraffic(ewsTraffic(sandbox.context).list(), {
      operations: ['GetFolder', 'FindFolder', 'FindItem', 'GetRoomLists'],
      faults: ['ErrorInternalServerTransientError', 'ErrorNonExistentMailbox'],
    });
  });
});

describe('several on-premises organisations on one Exchange Server origin', () => {
  const PASSWORD = 'Litware-Only-Pa55!';
  let sandbox: TestSandbox;

  function withLitware(seed: Seed): Seed {
    return seedSchema.parse({
      ...seed,
      tenants: [
        ...seed.tenants,
        {
          id: '3db462a2-63ef-4e28-9ddd-78354da3f8e7',
          displayName: 'Litware',
          domains: ['litware.com'],
          exchange: {
            kind: 'server',
            version: 'Exchange2016',
            serverVersion: { major: 15, minor: 1, build: 2507, revision: 6 },
            autodiscoverDomains: ['litware.com'],
          },
          users: [
            {
              id: '5d5c9b2e-1f0a-4c4e-8a77-0b6f3e2d1c90',
              upn: 'admin@litware.com',
              displayName: 'Lidia Holloway',
              roles: ['Global Administrator'],
              mailbox: true,
            },
            {
              id: '6e6dac3f-2a1b-4d5f-9b88-1c7a4f3e2da1',
              upn: 'svc-ews@litware.com',
              displayName: 'Litware EWS',
              roles: [],
              mailbox: false,
              serviceAccount: { password: PASSWORD, applicationImpersonation: true },
            },
          ],
          rooms: [],
          roomLists: [],
        },
      ],
    });
  }

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: withLitware(loadSeed()) });
  });
  afterAll(() => sandbox.close());

  const port = () => new URL(sandbox.urls.exchangeServer).port;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  /**
   * A request to 127.0.0.1 naming a virtual host in `Host`, as a client does through a host mapping.
   * The development certificate names only Contoso and Fabrikam, so TLS is checked for the address
   * actually connected to; what is under test is the Host routing.
   */
  const agent = () =>
    new https.Agent({
      ca: sandbox.certs.caCertPem,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity('127.0.0.1', cert),
    });
  const post = (path: string, body: string, headers: Record<string, string>) =>
    httpsJson<string>(agent(), `${sandbox.urls.exchangeServer}${path}`, 'POST', body, {
      'content-type': 'text/xml; charset=utf-8',
      ...headers,
    });
  const service = (user: string, password: string, impersonate: string) =>
    serverService(user, password, {
      url: sandbox.urls.exchangeServer,
      caCertPem: sandbox.certs.caCertPem,
      impersonate,
    });

  it('serves each organisation to its own service account, by UPN or NetBIOS name', async () => {
    for (const user of ['svc-ews@litware.com', 'LITWARE\\svc-ews']) {
      const folder = await Folder.Bind(
        service(user, PASSWORD, 'admin@litware.com'),
        WellKnownFolderName.Calendar,
      );
      expect(folder.DisplayName).toBe('Calendar');
    }
    expect(ewsTraffic(sandbox.context).list().at(-1)!.responseBody).toContain('MajorBuildNumber="2507"');
    await expect(
      Folder.Bind(
        service('svc-ews@fabrikam.com', 'Sandbox-Only-Pa55!', 'admin@fabrikam.com'),
        WellKnownFolderName.Calendar,
      ),
    ).resolves.toBeDefined();
    const foreign = await rejectionOf(
      Folder.Bind(
        service('svc-ews@litware.com', PASSWORD, 'admin@fabrikam.com'),
        WellKnownFolderName.Calendar,
      ),
    );
    expect(foreign.responseCode).toBe(ServiceError.ErrorNonExistentMailbox);
  });

  it('answers for the organisation the Host names, refusing another organisation’s account', async () => {
    const request = getFolderEnvelope('calendar', 'admin@litware.com').replace(
      'Exchange2013_SP1',
      'Exchange2016',
    );
    const litwareHost = { host: `mail.litware.com:${port()}`, 'x-anchormailbox': 'admin@litware.com' };
    expect(
      (
        await post('/EWS/Exchange.asmx', request, {
          ...litwareHost,
          authorization: basic('svc-ews@litware.com', PASSWORD),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post('/EWS/Exchange.asmx', request, {
          ...litwareHost,
          authorization: basic('svc-ews@fabrikam.com', 'Sandbox-Only-Pa55!'),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post('/EWS/Exchange.asmx', request, {
          host: `mail.fabrikam.com:${port()}`,
          authorization: basic('svc-ews@litware.com', PASSWORD),
        })
      ).status,
    ).toBe(401);
  });

  it('answers Autodiscover per organisation', async () => {
    const autodiscover = (address: string) =>
      `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">` +
      `<Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;
    const found = await post('/autodiscover/autodiscover.xml', autodiscover('admin@litware.com'), {
      host: `autodiscover.litware.com:${port()}`,
      authorization: basic('svc-ews@litware.com', PASSWORD),
    });
    expect(found.status).toBe(200);
    expect(found.body).toContain(`<EwsUrl>https://mail.litware.com:${port()}/EWS/Exchange.asmx</EwsUrl>`);
    expect(found.body).toContain('<DisplayName>Lidia Holloway</DisplayName>');
    const elsewhere = await post('/autodiscover/autodiscover.xml', autodiscover('admin@litware.com'), {
      authorization: basic('svc-ews@fabrikam.com', 'Sandbox-Only-Pa55!'),
    });
    expect(elsewhere.body).toContain('<ErrorCode>500</ErrorCode>');
  });
});
