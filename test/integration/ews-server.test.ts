/**
 * Exchange Server EWS and POX Autodiscover (Fabrikam) with Basic service-account credentials:
 * ews-javascript-api over HTTPS for EWS, raw HTTPS for Autodiscover and the wire details.
 */
import {
  CalendarView,
  DateTime,
  EmailAddress,
  Folder,
  FolderId,
  Mailbox,
  ResolveNameSearchLocation,
  ServiceError,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { rejectionOf, serverService } from '../support/ews-client';
import { expectSchemaValidTraffic } from '../support/ews-schema-expectations';
import { httpsJson, startTestSandbox, type TestSandbox } from '../support/sandbox';

const ADMIN = 'admin@fabrikam.com';
const SERVICE_ACCOUNT = 'svc-ews@fabrikam.com';
const PASSWORD = 'Sandbox-Only-Pa55!';
const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';
const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';

describe('Exchange Server EWS with a Basic service account', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  const service = (user = SERVICE_ACCOUNT, password = PASSWORD, impersonate: string | null = ADMIN) =>
    serverService(user, password, {
      url: sandbox.urls.exchangeServer,
      caCertPem: sandbox.certs.caCertPem,
      ...(impersonate ? { impersonate } : {}),
    });
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    httpsJson<string>(sandbox.agent, `${sandbox.urls.exchangeServer}${path}`, 'POST', body, {
      'content-type': 'text/xml; charset=utf-8',
      ...headers,
    });

  it('binds the impersonated admin calendar with the UPN and with DOMAIN\\user', async () => {
    for (const user of [SERVICE_ACCOUNT, 'FABRIKAM\\svc-ews']) {
      const folder = await Folder.Bind(service(user), WellKnownFolderName.Calendar);
      expect(folder.DisplayName).toBe('Calendar');
    }
    expect(ewsTraffic(sandbox.context).list().at(-1)!.responseBody).toMatch(
      /<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="Exchange2016"/,
    );
  });

  it('answers a wrong password or an unknown user with IIS 401 and a Basic challenge', async () => {
    for (const [user, password] of [
      [SERVICE_ACCOUNT, 'wrong'],
      ['nobody@fabrikam.com', PASSWORD],
      ['CONTOSO\\svc-ews', PASSWORD],
    ] as const) {
      const rejection = await rejectionOf(Folder.Bind(service(user, password), WellKnownFolderName.Calendar));
      expect(rejection.httpStatus).toBe(401);
    }
    const raw = await post('/EWS/Exchange.asmx', '<x/>', { authorization: basic(SERVICE_ACCOUNT, 'wrong') });
    expect(raw.status).toBe(401);
    // IIS sends one WWW-Authenticate header per scheme; Node's client joins them with ", ".
    expect(raw.headers['www-authenticate']).toBe(
      `Negotiate, NTLM, Basic realm="${new URL(sandbox.urls.exchangeServer).hostname}"`,
    );
  });

  it('denies impersonation with ErrorImpersonateUserDenied once the grant is removed', async () => {
    await sandbox.control('PUT', `/exchange/service-accounts/${SERVICE_ACCOUNT}/impersonation`, {
      granted: false,
    });
    const rejection = await rejectionOf(Folder.Bind(service(), WellKnownFolderName.Calendar));
    expect(rejection).toMatchObject({
      kind: 'SoapFaultDetails',
      httpStatus: 500,
      responseCode: ServiceError.ErrorImpersonateUserDenied,
      message: 'The account does not have permission to impersonate the requested user.',
    });
    await sandbox.control('PUT', `/exchange/service-accounts/${SERVICE_ACCOUNT}/impersonation`, {
      granted: true,
    });
    await expect(Folder.Bind(service(), WellKnownFolderName.Calendar)).resolves.toBeDefined();
  });

  it('rejects the old password after a password change from the control API', async () => {
    const changed = await sandbox.control('PUT', `/exchange/service-accounts/${SERVICE_ACCOUNT}/password`, {
      password: 'Rotated-Pa55!',
    });
    expect(changed.status).toBe(204);
    expect((await rejectionOf(Folder.Bind(service(), WellKnownFolderName.Calendar))).httpStatus).toBe(401);
    await expect(
      Folder.Bind(service(SERVICE_ACCOUNT, 'Rotated-Pa55!'), WellKnownFolderName.Calendar),
    ).resolves.toBeDefined();
    await sandbox.control('PUT', `/exchange/service-accounts/${SERVICE_ACCOUNT}/password`, {
      password: PASSWORD,
    });
  });

  it('needs a mailbox address for distinguished folders when the account acts as itself', async () => {
    const rejection = await rejectionOf(
      Folder.Bind(service(SERVICE_ACCOUNT, PASSWORD, null), WellKnownFolderName.Calendar),
    );
    expect(rejection).toMatchObject({
      kind: 'ServiceResponseException',
      responseCode: ServiceError.ErrorMissingEmailAddress,
    });
  });

  it('answers ErrorNonExistentMailbox for an impersonated address without a mailbox', async () => {
    const rejection = await rejectionOf(
      Folder.Bind(service(SERVICE_ACCOUNT, PASSWORD, 'ghost@fabrikam.com'), WellKnownFolderName.Calendar),
    );
    expect(rejection).toMatchObject({
      responseCode: ServiceError.ErrorNonExistentMailbox,
      details: { SmtpAddress: 'ghost@fabrikam.com' },
    });
  });

  it('serves room lists, rooms, names and room calendars', async () => {
    const svc = service();
    expect((await svc.GetRoomLists())._getItem(0).Address).toBe('rooms.hq@fabrikam.com');
    const rooms = await svc.GetRooms(new EmailAddress('rooms.hq@fabrikam.com'));
    expect(rooms.map((r) => r.Address)).toEqual(['room.zurich@fabrikam.com', 'room.geneva@fabrikam.com']);
    const names = await svc.ResolveName('Diego', ResolveNameSearchLocation.DirectoryOnly, false);
    expect(names._getItem(0).Mailbox.Address).toBe(ADMIN);
    const view = new CalendarView(DateTime.Now, DateTime.Now.AddDays(1));
    const meetings = await svc.FindAppointments(
      new FolderId(WellKnownFolderName.Calendar, new Mailbox('room.zurich@fabrikam.com')),
      view,
    );
    expect(meetings.Items.length).toBeGreaterThan(0);
  });

  it('reads requests whatever prefixes they use and honours RequestServerVersion', async () => {
    const request = (version: string) =>
      `<?xml version="1.0"?><Envelope xmlns="${SOAP_NS}"><Header><RequestServerVersion xmlns="${TYPES_NS}" Version="${version}"/>` +
      `<x:ExchangeImpersonation xmlns:x="${TYPES_NS}"><x:ConnectingSID><x:PrimarySmtpAddress>${ADMIN}</x:PrimarySmtpAddress></x:ConnectingSID></x:ExchangeImpersonation></Header>` +
      `<Body><GetRoomLists xmlns="${MESSAGES_NS}"/></Body></Envelope>`;
    const auth = { authorization: basic(SERVICE_ACCOUNT, PASSWORD) };
    const ok = await post('/EWS/Exchange.asmx', request('Exchange2013'), auth);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<t:EmailAddress>rooms.hq@fabrikam.com</t:EmailAddress>');
    const tooNew = await post('/EWS/Exchange.asmx', request('V2017_07_11'), auth);
    expect(tooNew.status).toBe(500);
    expect(tooNew.body).toContain(
      '<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidServerVersion</faultcode>',
    );
  });

  describe('POX Autodiscover', () => {
    const autodiscoverRequest = (address: string) =>
      '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">' +
      `<Request><EMailAddress>${address}</EMailAddress>` +
      '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>';
    const discover = (address: string, auth = basic(SERVICE_ACCOUNT, PASSWORD)) =>
      post('/autodiscover/autodiscover.xml', autodiscoverRequest(address), { authorization: auth });

    it('requires Basic credentials', async () => {
      const res = await post('/autodiscover/autodiscover.xml', autodiscoverRequest(ADMIN));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/Basic realm="/);
    });

    it('returns settings with the EWS URL for a mailbox of an autodiscover domain', async () => {
      const res = await discover(ADMIN);
      expect(res.status).toBe(200);
      expect(res.body).toContain(
        'xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"',
      );
      expect(res.body).toContain('<Action>settings</Action>');
      expect(res.body).toMatch(/<Protocol><Type>EXCH<\/Type>.*<EwsUrl>/);
      expect(res.body).toMatch(/<Protocol><Type>EXPR<\/Type>.*<\/Protocol>/);
      expect(res.body).toContain(
        `<EwsUrl>https://mail.fabrikam.com:${new URL(sandbox.urls.exchangeServer).port}/EWS/Exchange.asmx</EwsUrl>`,
      );
    });

    it('answers an unknown address with the POX error 500', async () => {
      for (const address of ['ghost@fabrikam.com', 'admin@contoso.com']) {
        const res = await discover(address);
        expect(res.status).toBe(200);
        expect(res.body).toMatch(
          /<Error Time="[^"]+" Id="\d+"><ErrorCode>500<\/ErrorCode><Message>The email address can't be found\.<\/Message>/,
        );
      }
    });

    it('redirects by address, by URL and by HTTP 302, and can loop', async () => {
      await sandbox.control('PUT', '/exchange/autodiscover', {
        redirect: { kind: 'addr', target: 'lee@fabrikam.com', address: ADMIN, count: 1 },
      });
      const byAddress = await discover(ADMIN);
      expect(byAddress.body).toContain(
        '<Action>redirectAddr</Action><RedirectAddr>lee@fabrikam.com</RedirectAddr>',
      );
      expect((await discover(ADMIN)).body).toContain('<Action>settings</Action>');

      const target = `${sandbox.urls.exchangeServer}/autodiscover/autodiscover.xml`;
      await sandbox.control('PUT', '/exchange/autodiscover', { redirect: { kind: 'url', target, count: 1 } });
      expect((await discover(ADMIN)).body).toContain(
        `<Action>redirectUrl</Action><RedirectUrl>${target}</RedirectUrl>`,
      );

      await sandbox.control('PUT', '/exchange/autodiscover', { redirect: { kind: 'http', target } });
      for (let i = 0; i < 3; i++) {
        const hop = await discover(ADMIN);
        expect(hop.status).toBe(302);
        expect(hop.headers.location).toBe(target);
      }
      const bad = await sandbox.control('PUT', '/exchange/autodiscover', {
        redirect: { kind: 'http', target: 'http://x' },
      });
      expect(bad.status).toBe(400);
      await sandbox.control('PUT', '/exchange/autodiscover', { redirect: null });
      expect((await discover(ADMIN)).status).toBe(200);
    });
  });

  it('sent and answered only schema-valid EWS for every operation and fault', async () => {
    await expectSchemaValidTraffic(ewsTraffic(sandbox.context).list(), {
      operations: ['GetFolder', 'GetRoomLists', 'GetRooms', 'ResolveNames', 'FindItem'],
      faults: ['ErrorImpersonateUserDenied', 'ErrorNonExistentMailbox', 'ErrorInvalidServerVersion'],
    });
  });
});
