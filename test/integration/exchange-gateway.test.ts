/**
 * EwsGateway driving the real ews-javascript-api over HTTPS against the sandbox's Exchange Online
 * (Contoso, app-only Bearer) and Exchange Server (Fabrikam, Basic service account): every outcome
 * arrives as an ExchangeConnectError with Microsoft's code.
 */
import { issueAppOnlyToken, RESOURCES } from '../../sandbox/src/access-tokens';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { EwsGateway, type EwsGatewayOptions } from '../../api/src/exchange/ews-gateway';
import { KeyedConcurrency } from '../../api/src/exchange/keyed-concurrency';
import { throttleRetry, type ThrottleRetryEvent } from '../../api/src/exchange/retry-policy';
import type { EwsConnection } from '../../api/src/exchange/ews-gateway';
import { injectFaultOnce } from '../support/faults';
import { soapParts, validateAgainstEwsSchema } from '../support/xmllint';
import { exchangeFailure } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { testPolicy, type TestPolicyOptions } from '../support/outbound';

const SERVICE_PRINCIPAL = '3f1e0a52-7c55-4b8e-9a41-0c6d2b1f9e77';
let sandbox: TestSandbox;
let contoso: string;
let fabrikam: string;
let appId: string;
let online: Extract<EwsConnection, { method: 'modern' }>;
let basic: Extract<EwsConnection, { method: 'basic' }>;
const gateways: EwsGateway[] = [];

function gateway(options: Partial<Omit<EwsGatewayOptions, 'policy'>> & TestPolicyOptions = {}): EwsGateway {
  const { dangerouslyAllowPrivateHosts = true, limits, resolveHost, ...rest } = options;
  const gw = new EwsGateway({
    appId,
    policy: testPolicy({
      caPem: sandbox.certs.caCertPem,
      dangerouslyAllowPrivateHosts,
      ...(limits ? { limits } : {}),
      ...(resolveHost ? { resolveHost } : {}),
    }),
    ...rest,
  });
  gateways.push(gw);
  return gw;
}

function token(roles?: string[]): Promise<string> {
  return issueAppOnlyToken(sandbox.context, {
    tenantId: contoso,
    appId,
    resource: RESOURCES.exchange,
    servicePrincipalId: SERVICE_PRINCIPAL,
    ...(roles ? { roles } : {}),
  });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const { seed } = sandbox.context;
  contoso = seed.tenants.find((t) => t.exchange.kind === 'online')!.id;
  fabrikam = seed.tenants.find((t) => t.exchange.kind === 'server')!.id;
  appId = seed.app.clientId;
  online = {
    method: 'modern',
    tenantId: contoso,
    ewsUrl: `${sandbox.urls.exchangeOnline}/EWS/Exchange.asmx`,
    accessToken: await token(['full_access_as_app']),
  };
  basic = {
    method: 'basic',
    tenantId: fabrikam,
    ewsUrl: `${sandbox.urls.exchangeServer}/EWS/Exchange.asmx`,
    username: 'svc-ews@fabrikam.com',
    password: 'Sandbox-Only-Pa55!',
  };
});
afterEach(async () => {
  await sandbox.control('DELETE', '/faults');
});
afterAll(async () => {
  for (const gw of gateways) gw.close();
  await sandbox.close();
});

describe('Exchange Online (app-only, impersonation + X-AnchorMailbox)', () => {
  test('opens the admin calendar with GetFolder', async () => {
    const folder = await gateway().openCalendar(online, 'admin@contoso.com');
    expect(folder.displayName).toBe('Calendar');
    expect(folder.totalCount).toBeGreaterThan(0);
    const request = ewsTraffic(sandbox.context).list().at(-1)!;
    expect(request.operation).toBe('GetFolder');
    expect(request.requestBody).toContain('<t:SmtpAddress>admin@contoso.com</t:SmtpAddress>');
  });

  test('an admin without a mailbox → mailbox_not_found (ErrorNonExistentMailbox)', async () => {
    const error = await exchangeFailure(gateway().openCalendar(online, 'admin.nomailbox@contoso.com'));
    expect(error).toMatchObject({ kind: 'mailbox_not_found', code: 'ErrorNonExistentMailbox' });
    expect(error.remediation).toContain('admin.nomailbox@contoso.com');
  });

  test('a token without roles → consent_missing (x-ms-diagnostics 2000008)', async () => {
    const error = await exchangeFailure(
      gateway().openCalendar({ ...online, accessToken: await token() }, 'admin@contoso.com'),
    );
    expect(error).toMatchObject({ kind: 'consent_missing', code: 'HTTP 401 2000008' });
  });

  test('a token Exchange Online refuses (issued for Microsoft Graph) → token_rejected, not unexpected', async () => {
    const graphToken = await issueAppOnlyToken(sandbox.context, {
      tenantId: contoso,
      appId,
      resource: RESOURCES.graph,
      servicePrincipalId: SERVICE_PRINCIPAL,
      roles: ['full_access_as_app'],
    });
    const error = await exchangeFailure(
      gateway().openCalendar({ ...online, accessToken: graphToken }, 'admin@contoso.com'),
    );
    expect(error).toMatchObject({ kind: 'token_rejected', code: 'HTTP 401 2000003' });
    expect(error.remediation).toContain('the operators must check the app registration');
  });

  describe('EWS blocks (HTTP 403 with X-EWS-Policy-Reason), each with its own fix', () => {
    const OTHER_APP = '0f6e4b1a-9c3d-4e5f-8a7b-2c1d0e9f8a7b';
    const setEws = (config: object) => sandbox.control('PUT', `/exchange/ews/${contoso}`, config);
    afterEach(async () => {
      await setEws({ enabled: true, allowedAppIds: [appId], applicationAccessPolicy: null });
      await sandbox.control('PUT', '/exchange/mailboxes/admin@contoso.com/ews', { enabled: null });
    });

    test('not on the organisation’s allow list → EwsBlockedByPolicy, the command keeps the apps already listed', async () => {
      await setEws({ enabled: true, allowedAppIds: [OTHER_APP] });
      const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'EwsBlockedByPolicy' });
      expect(error.remediation).toContain(
        `Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ((@($ids) + '${appId}' | Sort-Object -Unique) -join ',')`,
      );
      expect(error.remediation).toContain(
        '(Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs',
      );
    });

    test('EWS off for one mailbox (Set-CASMailbox) → EwsDisabled with that mailbox’s command; other mailboxes open', async () => {
      await sandbox.control('PUT', '/exchange/mailboxes/admin@contoso.com/ews', { enabled: false });
      const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'EwsDisabled' });
      expect(error.remediation).toContain("Set-CASMailbox -Identity 'admin@contoso.com' -EwsEnabled $true");
      await expect(gateway().openCalendar(online, 'room.oslo@contoso.com')).resolves.toMatchObject({
        displayName: 'Calendar',
      });
    });

    test('a user-agent allow list naming ExchangeConnect/* lets Exchange Connect through; one without it blocks by policy', async () => {
      await setEws({
        enabled: true,
        allowedAppIds: [appId],
        applicationAccessPolicy: 'EnforceAllowList',
        allowList: ['ExchangeConnect/*'],
      });
      await expect(gateway().openCalendar(online, 'admin@contoso.com')).resolves.toMatchObject({
        displayName: 'Calendar',
      });
      await setEws({
        enabled: true,
        allowedAppIds: [appId],
        applicationAccessPolicy: 'EnforceAllowList',
        allowList: ['OWA/*'],
      });
      const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'EwsBlockedByPolicy' });
      expect(error.remediation).toContain("Set-OrganizationConfig -EwsAllowList @{Add='ExchangeConnect/*'}");
    });
  });

  test('an application access policy scoped to rooms → access_policy_denied for the admin, a room opens', async () => {
    await sandbox.control('PUT', `/exchange/access-policy/${contoso}`, {
      mailboxes: ['room.oslo@contoso.com'],
    });
    try {
      const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
      expect(error).toMatchObject({ kind: 'access_policy_denied', code: 'ErrorAccessDenied' });
      await expect(gateway().openCalendar(online, 'room.oslo@contoso.com')).resolves.toMatchObject({
        displayName: 'Calendar',
      });
    } finally {
      await sandbox.control('PUT', `/exchange/access-policy/${contoso}`, { mailboxes: null });
    }
  });

  test('ErrorServerBusy fails fast by default → throttled with BackOffMilliseconds', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'throttle', ms: 1234 });
    const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
    expect(error).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 1234 });
    expect(error.remediation).toContain('2 s');
  });

  test('ErrorServerBusy with a retry policy waits the back-off and then succeeds', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'throttle', ms: 4321 });
    const waits: number[] = [];
    const events: ThrottleRetryEvent[] = [];
    const gw = gateway({
      retry: throttleRetry({
        maxRetries: 2,
        sleep: async (ms) => void waits.push(ms),
        onRetry: (e) => events.push(e),
      }),
    });
    await expect(gw.openCalendar(online, 'admin@contoso.com')).resolves.toMatchObject({
      displayName: 'Calendar',
    });
    expect(waits).toEqual([4321]);
    expect(events.map((e) => [e.attempt, e.delayMs, e.error.code])).toEqual([[1, 4321, 'ErrorServerBusy']]);
  });

  test('a 502 answer → unreachable with the HTTP status; a 503 is Exchange shedding load → throttled', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'http5xx', status: 502 });
    const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
    expect(error).toMatchObject({ kind: 'unreachable', code: 'HTTP 502' });
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'http5xx', status: 503 });
    const busy = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
    expect(busy).toMatchObject({ kind: 'throttled', code: 'HTTP 503', retryAfterMs: 30_000 });
  });

  test('the HTTP 200 ErrorInternalServerError / ErrorServerBusy form: a short back-off is slept through, a long one reported', async () => {
    const waits: number[] = [];
    const gw = gateway({ retry: throttleRetry({ maxRetries: 2, sleep: async (ms) => void waits.push(ms) }) });
    await injectFaultOnce(sandbox, {
      service: 'ews',
      operation: 'GetFolder',
      kind: 'innerServerBusy',
      ms: 800,
    });
    await expect(gw.openCalendar(online, 'admin@contoso.com')).resolves.toMatchObject({
      displayName: 'Calendar',
    });
    await injectFaultOnce(sandbox, {
      service: 'ews',
      operation: 'GetFolder',
      kind: 'innerServerBusy',
      ms: 120_000,
    });
    const error = await exchangeFailure(gw.openCalendar(online, 'admin@contoso.com'));
    expect(error).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 120_000 });
    expect(waits).toEqual([800]);
  });

  test('no answer within the EWS deadline → timeout', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'timeout' });
    const error = await exchangeFailure(
      gateway({ limits: { ews: { deadlineMs: 300 } } }).openCalendar(online, 'admin@contoso.com'),
    );
    expect(error).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
  });

  test('a schema-valid GetFolder answer without TotalCount and DisplayName (both optional) still opens the calendar', async () => {
    await injectFaultOnce(sandbox, {
      service: 'ews',
      operation: 'GetFolder',
      kind: 'omitProperties',
      properties: ['TotalCount', 'DisplayName'],
    });
    const folder = await gateway().openCalendar(online, 'admin@contoso.com');
    expect(folder).toEqual({ displayName: 'Calendar' });
    const answer = ewsTraffic(sandbox.context).list().at(-1)!;
    expect(answer).toMatchObject({ operation: 'GetFolder', status: 200 });
    expect(answer.responseBody).toContain('<t:CalendarFolder>');
    expect(answer.responseBody).not.toContain('TotalCount');
    expect(answer.responseBody).not.toContain('DisplayName');
    expect(await validateAgainstEwsSchema(soapParts(answer.responseBody))).toEqual([]);
  });

  test('a caller’s deadline that passes while EWS never answers aborts the request and frees the tenant’s slot', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'timeout' });
    const policy = testPolicy({ caPem: sandbox.certs.caCertPem, dangerouslyAllowPrivateHosts: true });
    const gw = new EwsGateway({ appId, policy, concurrency: new KeyedConcurrency(1) });
    gateways.push(gw);
    const sockets = () => Object.keys(policy.customerEndpointAgent().sockets);
    const controller = new AbortController();
    const calling = gw.openCalendar(online, 'admin@contoso.com', { abortSignal: controller.signal });
    const outcome = calling.then(
      () => 'answered',
      (error: unknown) => error,
    );
    // The request is out: the sandbox holds it without answering.
    while (!sandbox.context.faults.list().every((r) => r.kind !== 'timeout'))
      await new Promise((r) => setImmediate(r));
    while (sockets().length === 0) await new Promise((r) => setImmediate(r));
    expect(gw.concurrency.inFlight(contoso)).toBe(1);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(outcome).resolves.toBe(reason);
    expect(gw.concurrency.inFlight(contoso)).toBe(0);
    // The socket of the abandoned request closes, not left waiting on the server.
    for (let turn = 0; turn < 1000 && sockets().length > 0; turn++) await new Promise((r) => setImmediate(r));
    expect(sockets()).toEqual([]);
    // The one slot is free for the next call.
    await expect(gw.openCalendar(online, 'admin@contoso.com')).resolves.toMatchObject({
      displayName: 'Calendar',
    });
  });

  test('a malformed answer → protocol_error', async () => {
    await injectFaultOnce(sandbox, { service: 'ews', operation: 'GetFolder', kind: 'malformed' });
    // The SDK's XML parser (xmldom) reports the broken document on the console.
    const quiet = [jest.spyOn(console, 'warn'), jest.spyOn(console, 'error')].map((spy) =>
      spy.mockImplementation(() => {}),
    );
    try {
      const error = await exchangeFailure(gateway().openCalendar(online, 'admin@contoso.com'));
      expect(error).toMatchObject({ kind: 'protocol_error', code: 'InvalidResponse' });
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }
  });

  test('a certificate from a CA the gateway does not trust → untrusted_certificate (NODE_EXTRA_CA_CERTS ignored)', async () => {
    const gw = new EwsGateway({ appId, policy: testPolicy({ dangerouslyAllowPrivateHosts: true }) });
    gateways.push(gw);
    const error = await exchangeFailure(gw.openCalendar(online, 'admin@contoso.com'));
    expect(error).toMatchObject({ kind: 'untrusted_certificate', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  test('nothing listening → unreachable (ECONNREFUSED)', async () => {
    const error = await exchangeFailure(
      gateway().openCalendar(
        { ...online, ewsUrl: 'https://127.0.0.1:1/EWS/Exchange.asmx' },
        'admin@contoso.com',
      ),
    );
    expect(error).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
  });

  test.each([
    'admin@contoso.com</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation><t:SmtpAddress>room.oslo@contoso.com',
    'a&b@contoso.com',
    'admin@contoso.com\r\nX-Injected: 1',
  ])(
    'an address that is not a mailbox address (%j) never reaches SOAP: invalid_address, no request',
    async (address) => {
      const before = ewsTraffic(sandbox.context).list().length;
      const gw = gateway();
      for (const call of [
        () => gw.openCalendar(online, address),
        () => gw.listRoomLists(online, address),
        () => gw.listRooms(online, 'admin@contoso.com', address),
        () => gw.countCalendarItems(online, address, new Date(), new Date(Date.now() + 3600_000)),
      ]) {
        const error = await exchangeFailure(call());
        expect(error).toMatchObject({ kind: 'invalid_address', code: 'InvalidMailboxAddress' });
      }
      expect(ewsTraffic(sandbox.context).list()).toHaveLength(before);
    },
  );

  test('a loopback endpoint without the dangerous switch → endpoint_not_allowed, no request sent', async () => {
    const before = ewsTraffic(sandbox.context).list().length;
    const error = await exchangeFailure(
      gateway({ dangerouslyAllowPrivateHosts: false }).openCalendar(online, 'admin@contoso.com'),
    );
    expect(error).toMatchObject({ kind: 'endpoint_not_allowed', code: 'EndpointPrivateAddress' });
    const http = await exchangeFailure(
      gateway().openCalendar(
        { ...online, ewsUrl: online.ewsUrl.replace('https:', 'http:') },
        'admin@contoso.com',
      ),
    );
    expect(http).toMatchObject({ kind: 'endpoint_not_allowed', code: 'EndpointNotHttps' });
    expect(ewsTraffic(sandbox.context).list()).toHaveLength(before);
  });
  test('DNS that changes after the check (rebinding to loopback) is refused at connect time', async () => {
    const before = ewsTraffic(sandbox.context).list().length;
    const rebinding = gateway({
      dangerouslyAllowPrivateHosts: false,
      resolveHost: async () => [{ address: '52.96.0.1', family: 4 }], // what the pre-check saw
    });
    const ewsUrl = online.ewsUrl.replace('127.0.0.1', 'localhost'); // what the socket resolves
    const error = await exchangeFailure(rebinding.openCalendar({ ...online, ewsUrl }, 'admin@contoso.com'));
    expect(error).toMatchObject({ kind: 'endpoint_not_allowed', code: 'EndpointPrivateAddress' });
    expect(ewsTraffic(sandbox.context).list()).toHaveLength(before);
  });
});

describe('X-AnchorMailbox, as the sandbox received it', () => {
  interface EwsTrafficEntry {
    operation: string;
    status: number;
    anchorMailbox?: string;
    organisation: string;
  }
  const recorded = async () =>
    (await sandbox.control<{ value: EwsTrafficEntry[] }>('GET', '/ews/traffic')).body.value;

  test.each([
    ['Exchange Online', () => online, 'admin@contoso.com', 'room.oslo@contoso.com', 'rooms.hq@contoso.com'],
    [
      'Exchange Server',
      () => basic,
      'admin@fabrikam.com',
      'room.zurich@fabrikam.com',
      'rooms.hq@fabrikam.com',
    ],
  ] as const)(
    '%s: every operation names the mailbox it acts as',
    async (_name, connection, admin, room, list) => {
      expect((await sandbox.control('DELETE', '/ews/traffic')).status).toBe(204);
      const gw = gateway();
      await gw.openCalendar(connection(), admin);
      await gw.listRoomLists(connection(), admin);
      await gw.listRooms(connection(), admin, list);
      await gw.countCalendarItems(
        connection(),
        room,
        new Date('2031-03-03T00:00:00Z'),
        new Date('2031-03-04T00:00:00Z'),
      );
      expect((await recorded()).map((e) => [e.operation, e.status, e.anchorMailbox])).toEqual([
        ['GetFolder', 200, admin],
        ['GetRoomLists', 200, admin],
        ['GetRooms', 200, admin],
        ['FindItem', 200, room],
      ]);
    },
  );
});

describe('Exchange Server (Basic service account + ApplicationImpersonation)', () => {
  test('opens the admin calendar', async () => {
    await expect(gateway().openCalendar(basic, 'admin@fabrikam.com')).resolves.toMatchObject({
      displayName: 'Calendar',
    });
  });

  test('lists room lists and rooms and counts calendar items', async () => {
    const gw = gateway();
    await expect(gw.listRoomLists(basic, 'admin@fabrikam.com')).resolves.toEqual([
      { address: 'rooms.hq@fabrikam.com', name: 'Fabrikam HQ rooms' },
    ]);
    const rooms = await gw.listRooms(basic, 'admin@fabrikam.com', 'rooms.hq@fabrikam.com');
    expect(rooms.map((r) => r.address)).toEqual(['room.zurich@fabrikam.com', 'room.geneva@fabrikam.com']);
    const start = new Date('2031-03-03T00:00:00Z');
    const count = await gw.countCalendarItems(
      basic,
      'room.zurich@fabrikam.com',
      start,
      new Date(start.getTime() + 7 * 86_400_000),
    );
    expect(count).toBeGreaterThan(0);
    const findItem = ewsTraffic(sandbox.context).list().at(-1)!;
    expect(findItem.operation).toBe('FindItem');
    expect(findItem.requestBody).toContain('CalendarView');
  });

  test('a wrong password → invalid_credentials', async () => {
    const error = await exchangeFailure(
      gateway().openCalendar({ ...basic, password: 'not-the-password' }, 'admin@fabrikam.com'),
    );
    expect(error).toMatchObject({ kind: 'invalid_credentials', code: 'HTTP 401' });
    expect(error.message).not.toContain('not-the-password');
    expect(error.remediation).toContain('svc-ews@fabrikam.com');
  });

  test('ApplicationImpersonation removed → impersonation_denied with the role command', async () => {
    await sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/impersonation', {
      granted: false,
    });
    try {
      const error = await exchangeFailure(gateway().openCalendar(basic, 'admin@fabrikam.com'));
      expect(error).toMatchObject({ kind: 'impersonation_denied', code: 'ErrorImpersonateUserDenied' });
      expect(error.remediation).toContain('New-ManagementRoleAssignment');
    } finally {
      await sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/impersonation', {
        granted: true,
      });
    }
  });
});
