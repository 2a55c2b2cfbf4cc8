/**
 * The Microsoft Graph mailbox protocol, driving the real @microsoft/microsoft-graph-client and
 * msal-node over HTTPS against the sandbox's Graph: what a verification and a health check ask
 * (calendar, room lists, rooms, calendar view with paging) and every answer Graph can give,
 * converted once into our error family: no mailbox, an unknown user, a token Graph refuses, a
 * mailbox outside an RBAC scope, throttling with Retry-After, and Outlook's 4-in-flight limit.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueAppOnlyToken, RESOURCES } from '../../sandbox/src/access-tokens';
import { calendarEntries } from '../../sandbox/src/calendar-data';
import { graphProtocol, type GraphProtocolOptions } from '../../api/src/exchange/graph-mailbox-access';
import type { ConnectionRequest, MailboxAccess } from '../../api/src/exchange/port';
import { MsalAppTokenProvider } from '../../api/src/identity/msal-token-provider';
import { exchangeFailure } from '../support/rejections';
import { testPolicy } from '../support/outbound';
import { waitFor } from '../support/wait-for';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

let sandbox: TestSandbox;
let contoso: string;
let tokens: MsalAppTokenProvider;
const WINDOW = { start: new Date('2031-03-03T00:00:00Z'), end: new Date('2031-03-10T00:00:00Z') };
const OSLO = 'room.oslo@contoso.com';
const ADMIN = 'admin@contoso.com';

interface TrafficEntry {
  operation: string;
  mailbox?: string;
  status: number;
  inFlight?: number;
  errorCode?: string;
}
const traffic = async () =>
  (await sandbox.control<{ value: TrafficEntry[] }>('GET', '/graph/traffic')).body.value;

beforeAll(async () => {
  sandbox = await startTestSandbox({ rbacPropagationMs: 0 });
  contoso = sandbox.context.seed.tenants.find((t) => t.domains.includes('contoso.com'))!.id;
  tokens = new MsalAppTokenProvider(
    {
      authorityHost: sandbox.urls.entra,
      clientId: sandbox.context.seed.app.clientId,
      appCertificate: { certPem: sandbox.certs.appCertPem, keyPem: sandbox.certs.appKeyPem },
    },
    { policy: testPolicy({ caPem: sandbox.certs.caCertPem }) },
  );
  expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
});
beforeEach(async () => {
  await sandbox.control('DELETE', '/faults');
  await sandbox.control('DELETE', '/graph/traffic');
});
afterAll(() => sandbox.close());

async function access(
  options: Partial<GraphProtocolOptions> = {},
  token?: string,
  request: Partial<ConnectionRequest> = {},
): Promise<MailboxAccess> {
  const accessToken =
    token ?? (await tokens.getAppToken(contoso, 'graph', { forceRefresh: true })).accessToken;
  return graphProtocol({
    appId: sandbox.context.seed.app.clientId,
    policy: testPolicy({ caPem: sandbox.certs.caCertPem }),
    ...options,
  }).connect({
    tenantId: contoso,
    endpoint: sandbox.urls.graph,
    credentials: { kind: 'app-token', accessToken },
    actingAs: ADMIN,
    ...request,
  });
}

describe('what verification and health ask of Graph', () => {
  it('opens the admin’s calendar, lists room lists and rooms, and reads a room’s calendar view', async () => {
    const graph = await access();
    await expect(graph.openCalendar(ADMIN)).resolves.toEqual({ displayName: 'Calendar' });
    await expect(graph.listRoomLists()).resolves.toEqual([
      { address: 'rooms.hq@contoso.com', name: 'Contoso HQ rooms' },
    ]);
    const rooms = await graph.listRooms('rooms.hq@contoso.com');
    expect(rooms.map((r) => r.address).sort()).toEqual([
      'room.aarhus@contoso.com',
      'room.berlin@contoso.com',
      'room.oslo@contoso.com',
    ]);
    const tenant = sandbox.context.seed.tenants.find((t) => t.id === contoso)!;
    const expected = calendarEntries(sandbox.context.index, tenant, OSLO, WINDOW.start, WINDOW.end).length;
    expect(expected).toBeGreaterThan(5);
    await expect(graph.countCalendarItems(OSLO, WINDOW)).resolves.toBe(expected);
  });

  it('follows @odata.nextLink through every page of a calendar view', async () => {
    const tenant = sandbox.context.seed.tenants.find((t) => t.id === contoso)!;
    const expected = calendarEntries(sandbox.context.index, tenant, OSLO, WINDOW.start, WINDOW.end).length;
    await expect(
      (await access({ pageSize: 2, maxPages: 50 })).countCalendarItems(OSLO, WINDOW),
    ).resolves.toBe(expected);
    const pages = (await traffic()).filter((t) => t.operation === 'calendarView');
    expect(pages).toHaveLength(Math.ceil(expected / 2));
  });
});

describe('Graph’s answers, each converted once with Microsoft’s code', () => {
  it('a user without an Exchange Online mailbox → mailbox_not_found (MailboxNotEnabledForRESTAPI)', async () => {
    const error = await exchangeFailure((await access()).openCalendar('admin.nomailbox@contoso.com'));
    expect(error).toMatchObject({ kind: 'mailbox_not_found', code: 'MailboxNotEnabledForRESTAPI' });
    expect(error.remediation).toMatch(/needs a mailbox/);
  });

  it.each(['admin@contoso.com/../../places/microsoft.graph.room', 'me', 'admin@contoso.com?$select=*'])(
    'an address that is not a mailbox address (%j) never reaches a Graph URL: invalid_address, no request',
    async (address) => {
      const graph = await access();
      for (const call of [
        () => graph.openCalendar(address),
        () => graph.listRooms(address),
        () => graph.countCalendarItems(address, WINDOW),
      ]) {
        await expect(exchangeFailure(call())).resolves.toMatchObject({
          kind: 'invalid_address',
          code: 'InvalidMailboxAddress',
        });
      }
      expect(await traffic()).toEqual([]);
    },
  );

  it('an unknown user → mailbox_not_found (ErrorInvalidUser)', async () => {
    const error = await exchangeFailure((await access()).openCalendar('nobody@contoso.com'));
    expect(error).toMatchObject({ kind: 'mailbox_not_found', code: 'ErrorInvalidUser' });
  });

  it('a token Graph does not accept (issued for Exchange, not Graph) → token_rejected (InvalidAuthenticationToken)', async () => {
    const wrongAudience = await issueAppOnlyToken(sandbox.context, {
      tenantId: contoso,
      appId: sandbox.context.seed.app.clientId,
      resource: RESOURCES.exchange,
      roles: ['Calendars.ReadWrite'],
      servicePrincipalId: '3f1e0a52-7c55-4b8e-9a41-0c6d2b1f9e77',
    });
    const error = await exchangeFailure((await access({}, wrongAudience)).openCalendar(ADMIN));
    expect(error).toMatchObject({ kind: 'token_rejected', code: 'InvalidAuthenticationToken' });
    expect(error.remediation).toMatch(/on our side/);
  });

  it('a 401 without Graph’s error body (a proxy, an empty answer) → token_rejected, never unexpected', async () => {
    const server = https.createServer(
      { cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem },
      (req, res) => {
        req.resume();
        res.writeHead(401, { 'www-authenticate': 'Bearer realm=""', 'content-type': 'text/html' });
        res.end('<html><body>401 Unauthorized</body></html>');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const graph = graphProtocol({
        appId: sandbox.context.seed.app.clientId,
        policy: testPolicy({ caPem: sandbox.certs.caCertPem }),
      }).connect({
        tenantId: contoso,
        endpoint: `https://localhost:${port}`,
        credentials: { kind: 'app-token', accessToken: 'eyJ0eXAiOiJKV1QifQ.e30.c2ln' },
        actingAs: ADMIN,
      });
      const error = await exchangeFailure(graph.openCalendar(ADMIN));
      expect(error.kind).toBe('token_rejected');
      expect(error.remediation).toMatch(/^Microsoft refused the app-only token/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a mailbox outside the RBAC for Applications scope → access_policy_denied (ErrorAccessDenied); a room inside opens', async () => {
    const rbac = (method: string, path: string, body?: unknown) =>
      sandbox.control(method, `/exchange/rbac/contoso.com${path}`, body);
    const appId = sandbox.context.seed.app.clientId;
    await rbac('POST', '/service-principals', { appId });
    await rbac('POST', '/scopes', {
      name: 'Rooms',
      recipientRestrictionFilter: "RecipientTypeDetails -eq 'RoomMailbox'",
    });
    await rbac('POST', '/role-assignments', {
      app: appId,
      role: 'Application Calendars.ReadWrite',
      customResourceScope: 'Rooms',
    });
    await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Calendars.ReadWrite');
    try {
      const scoped = await access();
      await expect(scoped.openCalendar(OSLO)).resolves.toEqual({ displayName: 'Calendar' });
      const error = await exchangeFailure(scoped.openCalendar(ADMIN));
      expect(error).toMatchObject({ kind: 'access_policy_denied', code: 'ErrorAccessDenied' });
      expect(error.remediation).toContain('Test-ServicePrincipalAuthorization');
    } finally {
      await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' });
      await rbac('DELETE', '/service-principals/' + appId);
    }
  });

  it('throttled with a short Retry-After: the client waits at least that long, then succeeds', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'throttle',
      ms: 1000,
      count: 1,
    });
    const graph = await access();
    const started = Date.now();
    await expect(graph.openCalendar(ADMIN)).resolves.toEqual({ displayName: 'Calendar' });
    // A lower bound: the retry cannot come sooner than the header allows, however loaded the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await traffic()).filter((t) => t.operation === 'calendar').map((t) => t.status)).toEqual([
      429, 200,
    ]);
  });

  it('throttled for longer than it waits inline: throttled at once, carrying Retry-After', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'throttle',
      ms: 120_000,
      count: 1,
    });
    const error = await exchangeFailure((await access({ maxInlineWaitMs: 10_000 })).openCalendar(ADMIN));
    expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 120_000 });
    expect((await traffic()).filter((t) => t.operation === 'calendar')).toHaveLength(1);
  });

  it('throttled for an hour: reported at once, the wait capped at 5 minutes', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'throttle',
      ms: 3_600_000,
      count: 1,
    });
    const error = await exchangeFailure((await access()).openCalendar(ADMIN));
    expect(error).toMatchObject({ kind: 'throttled', code: 'TooManyRequests', retryAfterMs: 300_000 });
    expect(error.remediation).toContain('300 s');
  });

  it('told to report throttling (a health check), it never waits: one 429, a throttled result with Retry-After', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'throttle',
      ms: 2000,
      count: 3,
    });
    const graph = await access({}, undefined, { throttling: 'report' });
    const error = await exchangeFailure(graph.openCalendar(ADMIN));
    expect(error).toMatchObject({ kind: 'throttled', code: 'TooManyRequests', retryAfterMs: 2000 });
    expect((await traffic()).filter((t) => t.operation === 'calendar').map((t) => t.status)).toEqual([429]);
  });

  it('Graph unavailable (503) with Retry-After → throttled, waiting what the header says', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'http5xx',
      status: 503,
      count: 5,
    });
    const error = await exchangeFailure(
      (await access({}, undefined, { throttling: 'report' })).openCalendar(ADMIN),
    );
    expect(error).toMatchObject({ kind: 'throttled', code: 'serviceNotAvailable', retryAfterMs: 5000 });
    expect((await traffic()).filter((t) => t.operation === 'calendar').map((t) => t.status)).toEqual([503]);
  });

  it('a gateway timeout (504) → timeout, after the retries the handler allows', async () => {
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'http5xx',
      status: 504,
      count: 5,
    });
    const error = await exchangeFailure((await access({ maxRetries: 1 })).openCalendar(ADMIN));
    expect(error).toMatchObject({ kind: 'timeout', code: 'GatewayTimeout' });
    expect((await traffic()).filter((t) => t.operation === 'calendar').map((t) => t.status)).toEqual([
      504, 504,
    ]);
  });
});

describe("Outlook's limit of 4 requests in flight per app and mailbox", () => {
  // Graph holds the first reads until the test releases them, so what is in flight is counted
  // while it is in flight, not guessed from a latency that a loaded machine may outrun.
  const holdReads = (count: number) =>
    sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendarView',
      kind: 'latency',
      ms: 25_000,
      count,
    });
  const held = () => sandbox.context.faults.delayed();
  // Settled, so reads still held when an assertion fails end with the sandbox, not the test run.
  const settled = async (reads: Promise<unknown>[]) => (await Promise.allSettled(reads)).map((r) => r.status);

  it('8 reads of one room at once never have more than 4 in flight, so Graph never answers 429', async () => {
    await holdReads(4);
    const graph = await access();
    const reading = settled(Array.from({ length: 8 }, () => graph.countCalendarItems(OSLO, WINDOW)));
    await waitFor(() => held() === 4, 20_000);
    expect((await traffic()).filter((t) => t.operation === 'calendarView')).toHaveLength(4);
    expect(sandbox.context.faults.releaseDelays()).toBe(4);
    expect(await reading).toEqual(Array(8).fill('fulfilled'));
    const reads = (await traffic()).filter((t) => t.operation === 'calendarView');
    expect(reads).toHaveLength(8);
    expect(Math.max(...reads.map((t) => t.inFlight ?? 0))).toBe(4);
    expect(reads.every((t) => t.status === 200)).toBe(true);
  });

  it('different mailboxes do not wait for each other', async () => {
    await holdReads(12);
    const graph = await access();
    const rooms = ['room.oslo@contoso.com', 'room.aarhus@contoso.com', 'room.berlin@contoso.com'];
    const reading = settled(
      rooms.flatMap((room) => Array.from({ length: 4 }, () => graph.countCalendarItems(room, WINDOW))),
    );
    // All twelve are held at once: no room's reads queued behind another room's.
    await waitFor(() => held() === 12, 20_000);
    const reads = (await traffic()).filter((t) => t.operation === 'calendarView');
    for (const room of rooms) {
      expect(Math.max(...reads.filter((t) => t.mailbox === room).map((t) => t.inFlight ?? 0))).toBe(4);
    }
    sandbox.context.faults.releaseDelays();
    expect(await reading).toEqual(Array(12).fill('fulfilled'));
  });
});
