/**
 * Exchange Online EWS (Contoso) driven by the real ews-javascript-api over HTTPS: app-only Bearer
 * tokens with impersonation, every fault the product must classify, and schema validity of all
 * traffic.
 */
import { randomUUID } from 'node:crypto';
import {
  BasePropertySet,
  CalendarView,
  DateTime,
  EmailAddress,
  Folder,
  FolderId,
  FolderSchema,
  Mailbox,
  PropertySet,
  ResolveNameSearchLocation,
  ServiceError,
  WellKnownFolderName,
  type ExchangeService,
} from 'ews-javascript-api';
import { issueAppOnlyToken, RESOURCES, v1Issuer } from '../../sandbox/src/access-tokens';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { onlineService, rejectionOf } from '../support/ews-client';
import { injectFaultOnce } from '../support/faults';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { expectSchemaValidTraffic } from '../support/ews-schema-expectations';

const ADMIN = 'admin@contoso.com';
const OSLO = 'room.oslo@contoso.com';

describe('Exchange Online EWS with app-only tokens', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  const contoso = () => sandbox.context.seed.tenants.find((t) => t.exchange.kind === 'online')!;
  const token = (roles: string[] = ['full_access_as_app'], tenantId = contoso().id) =>
    issueAppOnlyToken(sandbox.context, {
      tenantId,
      appId: sandbox.context.seed.app.clientId,
      resource: RESOURCES.exchange,
      roles,
      servicePrincipalId: randomUUID(),
    });
  const service = async (impersonate?: string, options: { token?: string; timeoutMs?: number } = {}) =>
    onlineService(options.token ?? (await token()), {
      url: sandbox.urls.exchangeOnline,
      caCertPem: sandbox.certs.caCertPem,
      ...(impersonate ? { impersonate } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  const lastResponse = () => ewsTraffic(sandbox.context).list().at(-1)!;

  it('binds the impersonated admin calendar with ExchangeImpersonation and X-AnchorMailbox', async () => {
    const folder = await Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar);
    expect(folder.DisplayName).toBe('Calendar');
    expect(folder.TotalCount).toBeGreaterThan(0);
    expect(lastResponse().responseBody).toMatch(
      /<h:ServerVersionInfo MajorVersion="15" MinorVersion="20" [^>]*Version="V2018_01_08"/,
    );
  });

  it('honours the requested folder shape on msgfolderroot', async () => {
    const svc = await service(ADMIN);
    const idOnly = await Folder.Bind(
      svc,
      WellKnownFolderName.MsgFolderRoot,
      new PropertySet(BasePropertySet.IdOnly),
    );
    expect(idOnly.Id.UniqueId).toBeTruthy();
    expect(lastResponse().responseBody).not.toContain('<t:DisplayName>');
    const named = await Folder.Bind(
      svc,
      WellKnownFolderName.MsgFolderRoot,
      new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName]),
    );
    expect(named.DisplayName).toBe('Top of Information Store');
    expect(lastResponse().responseBody).not.toContain('<t:TotalCount>');
  });

  it('refuses an app-only call without impersonation with ErrorInvalidExchangeImpersonationHeaderData', async () => {
    const rejection = await rejectionOf(Folder.Bind(await service(), WellKnownFolderName.Calendar));
    expect(rejection).toMatchObject({
      kind: 'SoapFaultDetails',
      httpStatus: 500,
      responseCode: ServiceError.ErrorInvalidExchangeImpersonationHeaderData,
      message: 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
    });
  });

  it('answers ErrorNonExistentMailbox for an admin without a mailbox, naming the address', async () => {
    const rejection = await rejectionOf(
      Folder.Bind(await service('admin.nomailbox@contoso.com'), WellKnownFolderName.Calendar),
    );
    expect(rejection).toMatchObject({
      kind: 'SoapFaultDetails',
      httpStatus: 500,
      faultCode: 'a:ErrorNonExistentMailbox',
      responseCode: ServiceError.ErrorNonExistentMailbox,
      details: { SmtpAddress: 'admin.nomailbox@contoso.com' },
    });
    expect(lastResponse().responseBody).toContain('<faultstring xml:lang="en-US">');
  });

  it('follows mailbox deletion and restore from the control API', async () => {
    expect((await sandbox.control('DELETE', `/exchange/mailboxes/${ADMIN}`)).status).toBe(204);
    const rejection = await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar));
    expect(rejection.responseCode).toBe(ServiceError.ErrorNonExistentMailbox);
    expect((await sandbox.control('POST', `/exchange/mailboxes/${ADMIN}/restore`)).status).toBe(204);
    await expect(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar)).resolves.toBeDefined();
  });

  it('answers 401 with x-ms-diagnostics 2000008 when the token carries no roles', async () => {
    const svc = await service(ADMIN, { token: await token([]) });
    const rejection = await rejectionOf(Folder.Bind(svc, WellKnownFolderName.Calendar));
    expect(rejection.httpStatus).toBe(401);
    expect(rejection.message).toBe(
      '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"',
    );
  });

  it('answers 401 with x-ms-diagnostics for a forged, expired or foreign token', async () => {
    const good = await token();
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const expired = await sandbox.context.tokens.sign(
      {
        aud: RESOURCES.exchange,
        iss: v1Issuer(contoso().id),
        tid: contoso().id,
        appid: sandbox.context.seed.app.clientId,
        roles: ['full_access_as_app'],
      },
      3599,
      Date.now() - 2 * 3600_000,
    );
    const fabrikam = sandbox.context.seed.tenants.find((t) => t.exchange.kind === 'server')!;
    const cases: Array<[string, RegExp]> = [
      [forged, /^2000001;reason="The token has invalid signature\."/],
      [expired, /^2000003;reason="The token has expired\."/],
      [await token(['full_access_as_app'], fabrikam.id), /^2000003;.*error_category="invalid_tenant"/],
    ];
    for (const [bad, diagnostics] of cases) {
      const rejection = await rejectionOf(
        Folder.Bind(await service(ADMIN, { token: bad }), WellKnownFolderName.Calendar),
      );
      expect(rejection.httpStatus).toBe(401);
      expect(rejection.message).toMatch(diagnostics);
    }
  });

  it('blocks the app with 403 when EWS is off for the organisation or the app is not allow-listed', async () => {
    const appId = sandbox.context.seed.app.clientId;
    for (const config of [
      { enabled: false, allowedAppIds: [appId] },
      { enabled: null, allowedAppIds: [appId] },
      { enabled: true, allowedAppIds: [randomUUID()] },
    ]) {
      expect((await sandbox.control('PUT', `/exchange/ews/${contoso().id}`, config)).status).toBe(204);
      const rejection = await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar));
      expect(rejection.httpStatus).toBe(403);
    }
    await sandbox.control('PUT', `/exchange/ews/contoso.com`, { enabled: true, allowedAppIds: [appId] });
    await expect(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar)).resolves.toBeDefined();
  });

  it('applies an application access policy: admin denied, room allowed', async () => {
    await sandbox.control('PUT', `/exchange/access-policy/${contoso().id}`, { mailboxes: [OSLO] });
    const denied = await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar));
    expect(denied).toMatchObject({ httpStatus: 500, responseCode: ServiceError.ErrorAccessDenied });
    await expect(Folder.Bind(await service(OSLO), WellKnownFolderName.Calendar)).resolves.toBeDefined();
    await sandbox.control('PUT', `/exchange/access-policy/${contoso().id}`, { mailboxes: null });
    await expect(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar)).resolves.toBeDefined();
  });

  it('throttles with ErrorServerBusy carrying BackOffMilliseconds', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'throttle', ms: 5000 });
    const rejection = await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar));
    expect(rejection).toMatchObject({
      httpStatus: 500,
      responseCode: ServiceError.ErrorServerBusy,
      details: { BackOffMilliseconds: '5000' },
    });
    await expect(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar)).resolves.toBeDefined();
  });

  it('injects 5xx, malformed XML, latency and time-outs per operation', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'http5xx', status: 503 });
    expect(
      (await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar))).httpStatus,
    ).toBe(503);

    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'malformed' });
    await rejectionOf(Folder.Bind(await service(ADMIN), WellKnownFolderName.Calendar));
    expect(lastResponse()).toMatchObject({ status: 200, operation: 'GetFolder' });

    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetRoomLists', kind: 'latency', ms: 50 });
    await expect((await service(ADMIN)).GetRoomLists()).resolves.toBeDefined();

    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'timeout' });
    const timedOut = await rejectionOf(
      Folder.Bind(await service(ADMIN, { timeoutMs: 500 }), WellKnownFolderName.Calendar),
    );
    expect(timedOut.message).toMatch(/timeout/i);
  });

  describe('directory and calendar operations', () => {
    let svc: ExchangeService;
    beforeAll(async () => {
      svc = await service(ADMIN);
    });

    it('lists room lists and their rooms', async () => {
      const lists = await svc.GetRoomLists();
      expect(lists.Count).toBe(1);
      expect(lists._getItem(0).Address).toBe('rooms.hq@contoso.com');
      const rooms = await svc.GetRooms(new EmailAddress('rooms.hq@contoso.com'));
      expect(rooms.map((r) => r.Address)).toEqual([
        OSLO,
        'room.aarhus@contoso.com',
        'room.berlin@contoso.com',
      ]);
    });

    it('answers GetRooms for an address that is no room list with ErrorNameResolutionNoResults', async () => {
      const rejection = await rejectionOf(svc.GetRooms(new EmailAddress('nolist@contoso.com')));
      expect(rejection).toMatchObject({
        kind: 'ServiceResponseException',
        responseCode: ServiceError.ErrorNameResolutionNoResults,
      });
    });

    it('resolves names from the directory, with full contact data', async () => {
      const one = await svc.ResolveName('oslo', ResolveNameSearchLocation.DirectoryOnly, true);
      expect(one.Count).toBe(1);
      expect(one._getItem(0).Mailbox.Address).toBe(OSLO);
      expect(one._getItem(0).Contact?.DisplayName).toBe('Oslo (8)');
      const several = await svc.ResolveName('room', ResolveNameSearchLocation.DirectoryOnly, false);
      // ANR prefix "room" also matches the room list's alias (rooms.hq@), as it would in Exchange.
      expect(several.Count).toBe(4);
      // Exchange reports "no match" as ResponseClass="Error"; the SDK turns that into an empty result.
      const none = await svc.ResolveName('nobody-here', ResolveNameSearchLocation.DirectoryOnly, false);
      expect(none.Count).toBe(0);
      expect(lastResponse().responseBody).toContain(
        '<m:ResolveNamesResponseMessage ResponseClass="Error"><m:MessageText>No results were found.</m:MessageText><m:ResponseCode>ErrorNameResolutionNoResults</m:ResponseCode>',
      );
    });

    it('finds the generated meetings of a room inside any CalendarView window, the same each time', async () => {
      const start = DateTime.Parse('2031-03-03T00:00:00Z');
      const end = DateTime.Parse('2031-03-05T00:00:00Z');
      const folder = new FolderId(WellKnownFolderName.Calendar, new Mailbox(OSLO));
      const first = await svc.FindAppointments(folder, new CalendarView(start, end));
      expect(first.Items.length).toBeGreaterThanOrEqual(4);
      for (const item of first.Items) {
        expect(item.Start.TotalMilliSeconds).toBeGreaterThanOrEqual(start.TotalMilliSeconds);
        expect(item.End.TotalMilliSeconds).toBeLessThanOrEqual(end.TotalMilliSeconds);
        expect(item.Location).toBe('Oslo (8)');
      }
      const again = await svc.FindAppointments(folder, new CalendarView(start, end));
      expect(again.Items.map((i) => i.Id.UniqueId)).toEqual(first.Items.map((i) => i.Id.UniqueId));
      const limited = await svc.FindAppointments(folder, new CalendarView(start, end, 2));
      expect(limited.Items).toHaveLength(2);
      expect(limited.MoreAvailable).toBe(true);
    });

    it('answers FindItem on a mailbox that does not exist with a ResponseClass="Error" message', async () => {
      const folder = new FolderId(WellKnownFolderName.Calendar, new Mailbox('room.nowhere@contoso.com'));
      const rejection = await rejectionOf(
        svc.FindAppointments(folder, new CalendarView(DateTime.Now, DateTime.Now.AddDays(1))),
      );
      expect(rejection).toMatchObject({
        kind: 'ServiceResponseException',
        responseCode: ServiceError.ErrorNonExistentMailbox,
      });
    });
  });

  it('sent and answered only schema-valid EWS for every operation and fault', async () => {
    await expectSchemaValidTraffic(ewsTraffic(sandbox.context).list(), {
      operations: ['GetFolder', 'GetRoomLists', 'GetRooms', 'ResolveNames', 'FindItem'],
      faults: [
        'ErrorInvalidExchangeImpersonationHeaderData',
        'ErrorNonExistentMailbox',
        'ErrorAccessDenied',
        'ErrorServerBusy',
      ],
    });
  });
});
