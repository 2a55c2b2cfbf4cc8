/**
 * The sandbox Microsoft Graph over real HTTPS with tokens from the sandbox Entra ID (msal-node):
 * calendars, calendar views and paging, getSchedule, Places, JSON batching, Graph's error shapes
 * and status codes, fault injection, and Outlook's 4-requests-in-flight limit per app and mailbox.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { decodeJwt } from 'jose';
import { RESOURCES, v1Issuer } from '../../sandbox/src/access-tokens';
import { graphTraffic } from '../../sandbox/src/graph/recorder';
import { injectFaultOnce } from '../support/faults';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  EXCHANGE_SCOPE,
  GRAPH_SCOPE,
  appToken,
  graph,
  rolesOf,
  until,
  type GraphErrorBody,
} from '../support/sandbox-graph';

const ADMIN = 'admin@contoso.com';
const OSLO = 'room.oslo@contoso.com';
const WINDOW = 'startDateTime=2031-03-03T00:00:00Z&endDateTime=2031-03-10T00:00:00Z';

interface Collection<T = Record<string, unknown>> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  value: T[];
}

let sandbox: TestSandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startTestSandbox({ appRequestsGraph: true, rbacPropagationMs: 0 });
  for (const tenant of ['contoso.com', 'northwind.com', 'tailspintoys.com', 'fabrikam.com']) {
    expect((await sandbox.control('POST', '/entra/consent', { tenant })).status).toBe(201);
  }
  token = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
});
afterAll(() => sandbox.close());
afterEach(async () => {
  await sandbox.control('DELETE', '/faults');
  sandbox.context.faults.releaseDelays();
});

const contoso = () => sandbox.context.seed.tenants[0]!;

function expectGraphError(
  res: { status: number; body: unknown; headers: Record<string, string | string[] | undefined> },
  status: number,
  code: string,
  message?: string | RegExp,
) {
  expect(res.status).toBe(status);
  const body = res.body as GraphErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(['code', 'message', 'innerError']);
  expect(Object.keys(body.error.innerError)).toEqual(['date', 'request-id', 'client-request-id']);
  expect(body.error.code).toBe(code);
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else if (message) expect(body.error.message).toMatch(message);
  expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  expect(body.error.innerError['request-id']).toBe(res.headers['request-id']);
  expect(body.error.innerError['client-request-id']).toBe(res.headers['client-request-id']);
}

describe('tokens for Microsoft Graph', () => {
  it('carry the Graph application permissions consented in the tenant, for the Graph audience', () => {
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: contoso().id, idtyp: 'app' });
    expect(rolesOf(token)).toEqual(['Calendars.ReadWrite', 'Place.Read.All']);
  });
});

describe('calendars', () => {
  it('returns the default calendar by UPN and by object id, echoing client-request-id', async () => {
    const clientRequestId = randomUUID();
    const byUpn = await graph(sandbox, token, `/users/${ADMIN}/calendar`, {
      headers: { 'client-request-id': clientRequestId },
    });
    expect(byUpn.status).toBe(200);
    expect(byUpn.headers['client-request-id']).toBe(clientRequestId);
    expect(byUpn.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(byUpn.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal/);
    expect(byUpn.body).toMatchObject({
      '@odata.context': `${sandbox.urls.graph}/v1.0/$metadata#users('admin%40contoso.com')/calendar/$entity`,
      name: 'Calendar',
      isDefaultCalendar: true,
      canEdit: true,
      owner: { name: 'Megan Bowen', address: ADMIN },
    });
    const admin = contoso().users.find((u) => u.upn === ADMIN)!;
    const byId = await graph(sandbox, token, `/users/${admin.id}/calendar`);
    expect(byId.body.id).toBe(byUpn.body.id);
  });

  it('pages a calendar view through @odata.nextLink with $select and $top, the same each time', async () => {
    const first = await graph<Collection>(
      sandbox,
      token,
      `/users/${OSLO}/calendarView?${WINDOW}&$select=subject,start,end&$top=4`,
    );
    expect(first.status).toBe(200);
    expect(first.body['@odata.context']).toBe(
      `${sandbox.urls.graph}/v1.0/$metadata#users('room.oslo%40contoso.com')/calendarView(subject,start,end)`,
    );
    expect(first.body.value).toHaveLength(4);
    for (const event of first.body.value) {
      expect(Object.keys(event).sort()).toEqual(['@odata.etag', 'end', 'id', 'start', 'subject']);
      expect(event.start).toMatchObject({ timeZone: 'UTC' });
    }
    const paged = [...first.body.value];
    let next = first.body['@odata.nextLink'];
    expect(next).toMatch(/\$top=4&\$skip=4$/);
    while (next) {
      const page = await graph<Collection>(sandbox, token, next);
      expect(page.status).toBe(200);
      paged.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    const whole = await graph<Collection>(sandbox, token, `/users/${OSLO}/calendarView?${WINDOW}&$top=1000`);
    expect(whole.body['@odata.nextLink']).toBeUndefined();
    expect(paged.map((e) => e.id)).toEqual(whole.body.value.map((e) => e.id));
    expect(whole.body.value.length).toBeGreaterThan(10);
    const event = whole.body.value[0]!;
    expect(event).toMatchObject({
      location: { displayName: 'Oslo (8)', locationType: 'conferenceRoom' },
      attendees: [
        expect.objectContaining({ type: 'resource', emailAddress: { name: 'Oslo (8)', address: OSLO } }),
      ],
      type: 'singleInstance',
    });
    const starts = whole.body.value.map((e) => (e.start as { dateTime: string }).dateTime);
    expect([...starts].sort()).toEqual(starts);
    expect(starts[0]! >= '2031-03-03T00:00:00').toBe(true);
    const again = await graph<Collection>(sandbox, token, `/users/${OSLO}/calendarView?${WINDOW}&$top=1000`);
    expect(again.body.value.map((e) => e.id)).toEqual(whole.body.value.map((e) => e.id));
  });

  it('defaults to pages of 10 events', async () => {
    const res = await graph<Collection>(sandbox, token, `/users/${ADMIN}/calendarView?${WINDOW}`);
    expect(res.body.value).toHaveLength(10);
    expect(res.body['@odata.nextLink']).toMatch(/\$top=10&\$skip=10$/);
  });

  it('requires the time window and refuses unknown $select properties, as Graph does', async () => {
    expectGraphError(
      await graph(sandbox, token, `/users/${ADMIN}/calendarView`),
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
    expectGraphError(
      await graph(sandbox, token, `/users/${ADMIN}/calendarView?${WINDOW}&$select=subject,colour`),
      400,
      'RequestBroker--ParseUri',
      "Could not find a property named 'colour' on type 'microsoft.graph.event'.",
    );
  });
});

describe('getSchedule', () => {
  it('answers free/busy per mailbox: subjects for rooms, availability only for users, an error item for the unknown', async () => {
    const res = await graph<Collection>(sandbox, token, `/users/${ADMIN}/calendar/getSchedule`, {
      method: 'POST',
      body: {
        schedules: [OSLO, ADMIN, 'nobody@contoso.com'],
        // 08:00 in Berlin is 07:00 UTC in March (CET, UTC+1).
        startTime: { dateTime: '2031-03-03T08:00:00', timeZone: 'W. Europe Standard Time' },
        endTime: { dateTime: '2031-03-04T08:00:00', timeZone: 'W. Europe Standard Time' },
        availabilityViewInterval: 60,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toBe(
      `${sandbox.urls.graph}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`,
    );
    const [room, user, unknown] = res.body.value as Array<Record<string, unknown>>;
    expect(room).toMatchObject({ scheduleId: OSLO, workingHours: { timeZone: { name: 'UTC' } } });
    expect(String(room!.availabilityView)).toMatch(/^[012]{24}$/);
    const items = room!.scheduleItems as Array<{
      subject?: string;
      status: string;
      start: { dateTime: string };
    }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]!.subject).toBeTruthy();
    expect(items.every((i) => i.start.dateTime >= '2031-03-03T07:00:00')).toBe(true);
    expect(String(room!.availabilityView)).toContain('2');
    const userItems = user!.scheduleItems as Array<Record<string, unknown>>;
    expect(userItems.length).toBeGreaterThan(0);
    expect(userItems[0]).not.toHaveProperty('subject');
    expect(unknown).toEqual({
      scheduleId: 'nobody@contoso.com',
      availabilityView: '',
      error: {
        message: 'Unable to resolve e-mail address nobody@contoso.com to an Active Directory object.',
        responseCode: '5009',
      },
    });
  });

  it('refuses a body that is not a getSchedule request', async () => {
    const res = await graph(sandbox, token, `/users/${ADMIN}/calendar/getSchedule`, {
      method: 'POST',
      body: { schedules: [] },
    });
    expectGraphError(res, 400, 'ErrorInvalidRequest');
  });
});

describe('Places', () => {
  it('lists room lists, the rooms of one (by its address) and all rooms', async () => {
    const lists = await graph<Collection>(sandbox, token, '/places/microsoft.graph.roomlist');
    expect(lists.status).toBe(200);
    expect(lists.body['@odata.context']).toBe(
      `${sandbox.urls.graph}/v1.0/$metadata#places/microsoft.graph.roomList`,
    );
    expect(lists.body.value).toEqual([
      expect.objectContaining({ emailAddress: 'rooms.hq@contoso.com', displayName: 'Contoso HQ rooms' }),
    ]);
    const rooms = await graph<Collection>(
      sandbox,
      token,
      '/places/rooms.hq@contoso.com/microsoft.graph.roomlist/rooms',
    );
    expect(rooms.status).toBe(200);
    expect(rooms.body.value.map((r) => r.emailAddress)).toEqual([
      OSLO,
      'room.aarhus@contoso.com',
      'room.berlin@contoso.com',
    ]);
    expect(rooms.body.value[0]).toMatchObject({
      displayName: 'Oslo (8)',
      capacity: 8,
      bookingType: 'standard',
      id: expect.stringMatching(/^[0-9A-F-]{36}$/),
    });
    const all = await graph<Collection>(sandbox, token, '/places/microsoft.graph.room?$top=2');
    expect(all.body.value).toHaveLength(2);
    expect(all.body['@odata.nextLink']).toBeDefined();
  });

  it('serves Northwind (a room outside its one list) and Tailspin Toys (no room lists at all)', async () => {
    const northwind = await appToken(sandbox, 'northwind.com', GRAPH_SCOPE);
    const list = await graph<Collection>(
      sandbox,
      northwind,
      '/places/rooms.campus-a@northwind.com/microsoft.graph.roomlist/rooms',
    );
    expect(list.body.value.map((r) => r.emailAddress)).toHaveLength(3);
    expect(list.body.value[0]).toMatchObject({ building: 'Campus A', floorNumber: 1, capacity: 10 });
    const rooms = await graph<Collection>(sandbox, northwind, '/places/microsoft.graph.room');
    expect(rooms.body.value.map((r) => r.emailAddress)).toContain('room.seville@northwind.com');
    expect(rooms.body.value).toHaveLength(4);

    const tailspin = await appToken(sandbox, 'tailspintoys.com', GRAPH_SCOPE);
    const none = await graph<Collection>(sandbox, tailspin, '/places/microsoft.graph.roomlist');
    expect(none).toMatchObject({ status: 200, body: { value: [] } });
    const tailspinRooms = await graph<Collection>(sandbox, tailspin, '/places/microsoft.graph.room');
    expect(tailspinRooms.body.value.map((r) => r.emailAddress)).toEqual([
      'room.denver@tailspintoys.com',
      'room.austin@tailspintoys.com',
    ]);
  });

  it('honours $select on rooms and refuses OData options it does not implement', async () => {
    const res = await graph<Collection>(
      sandbox,
      token,
      '/places/microsoft.graph.room?$select=emailAddress,capacity',
    );
    expect(res.body['@odata.context']).toMatch(/#places\/microsoft\.graph\.room\(emailAddress,capacity\)$/);
    expect(Object.keys(res.body.value[0]!).sort()).toEqual(['capacity', 'emailAddress', 'id']);
    expectGraphError(
      await graph(sandbox, token, '/places/microsoft.graph.room?$filter=capacity gt 5'),
      400,
      'BadRequest',
      "Query option '$filter' is not supported.",
    );
  });

  it('lists no places for an on-premises organisation', async () => {
    const fabrikam = await appToken(sandbox, 'fabrikam.com', GRAPH_SCOPE);
    expect((await graph<Collection>(sandbox, fabrikam, '/places/microsoft.graph.room')).body.value).toEqual(
      [],
    );
  });

  it('answers a room list address that is none with ErrorItemNotFound', async () => {
    expectGraphError(
      await graph(sandbox, token, '/places/nolist@contoso.com/microsoft.graph.roomlist/rooms'),
      404,
      'ErrorItemNotFound',
    );
  });

  it('needs Place.Read.All: 403 ErrorAccessDenied once the permission is removed', async () => {
    expect(
      (await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Place.Read.All')).status,
    ).toBe(204);
    try {
      const narrower = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
      expect(rolesOf(narrower)).toEqual(['Calendars.ReadWrite']);
      expectGraphError(
        await graph(sandbox, narrower, '/places/microsoft.graph.roomlist'),
        403,
        'ErrorAccessDenied',
        'Access is denied. Check credentials and try again.',
      );
      // The calendar is unaffected: Places is its own permission.
      expect((await graph(sandbox, narrower, `/users/${ADMIN}/calendar`)).status).toBe(200);
    } finally {
      await sandbox.control('POST', '/entra/consent/contoso.com/permissions', {
        permission: 'Place.Read.All',
      });
    }
  });
});

describe('errors', () => {
  it('answers 401 InvalidAuthenticationToken with a Bearer challenge for a missing, forged, expired or foreign token', async () => {
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const expired = await sandbox.context.tokens.sign(
      {
        aud: RESOURCES.graph,
        iss: v1Issuer(contoso().id),
        tid: contoso().id,
        appid: sandbox.context.seed.app.clientId,
      },
      3599,
      Date.now() - 2 * 3600_000,
    );
    const exchangeToken = await appToken(sandbox, 'contoso.com', EXCHANGE_SCOPE);
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'Access token is empty.'],
      ['not-a-jwt', 'CompactToken parsing failed with error code: 80049217'],
      [forged, 'Access token validation failure.'],
      [expired, 'Lifetime validation failed, the token is expired.'],
      [exchangeToken, 'Access token validation failure. Invalid audience.'],
    ];
    for (const [bad, message] of cases) {
      const res = await graph(sandbox, bad, `/users/${ADMIN}/calendar`);
      expectGraphError(res, 401, 'InvalidAuthenticationToken', message);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="", authorization_uri="${sandbox.urls.entra}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      );
    }
  });

  it('answers MailboxNotEnabledForRESTAPI for users without an Exchange Online mailbox', async () => {
    const notEnabled = 'MailboxNotEnabledForRESTAPI';
    expectGraphError(
      await graph(sandbox, token, '/users/admin.nomailbox@contoso.com/calendar'),
      404,
      notEnabled,
      'REST API is not yet supported for this mailbox.',
    );
    expect((await sandbox.control('DELETE', '/exchange/mailboxes/alex@contoso.com')).status).toBe(204);
    try {
      expectGraphError(await graph(sandbox, token, '/users/alex@contoso.com/calendar'), 404, notEnabled);
    } finally {
      await sandbox.control('POST', '/exchange/mailboxes/alex@contoso.com/restore');
    }
    expect((await graph(sandbox, token, '/users/alex@contoso.com/calendar')).status).toBe(200);
    // Fabrikam's mailboxes are on its own Exchange Server: Graph has no mailbox to open.
    const fabrikam = await appToken(sandbox, 'fabrikam.com', GRAPH_SCOPE);
    expectGraphError(await graph(sandbox, fabrikam, '/users/admin@fabrikam.com/calendar'), 404, notEnabled);
  });

  it('answers ErrorInvalidUser for an unknown user and for a user of another tenant', async () => {
    expectGraphError(
      await graph(sandbox, token, '/users/nobody@contoso.com/calendar'),
      404,
      'ErrorInvalidUser',
      "The requested user 'nobody@contoso.com' is invalid.",
    );
    expectGraphError(
      await graph(sandbox, token, '/users/admin@northwind.com/calendar'),
      404,
      'ErrorInvalidUser',
    );
  });

  it('answers ErrorAccessDenied where an application access policy excludes the mailbox', async () => {
    await sandbox.control('PUT', '/exchange/access-policy/contoso.com', { mailboxes: [OSLO] });
    try {
      expectGraphError(await graph(sandbox, token, `/users/${ADMIN}/calendar`), 403, 'ErrorAccessDenied');
      expect((await graph(sandbox, token, `/users/${OSLO}/calendar`)).status).toBe(200);
    } finally {
      await sandbox.control('PUT', '/exchange/access-policy/contoso.com', { mailboxes: null });
    }
  });

  it('answers ErrorAccessDenied to a token without any calendar permission', async () => {
    await sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Calendars.ReadWrite');
    try {
      const placesOnly = await appToken(sandbox, 'contoso.com', GRAPH_SCOPE);
      expectGraphError(
        await graph(sandbox, placesOnly, `/users/${ADMIN}/calendar`),
        403,
        'ErrorAccessDenied',
      );
      expectGraphError(
        await graph(sandbox, placesOnly, `/users/admin.nomailbox@contoso.com/calendar`),
        403,
        'ErrorAccessDenied',
      );
    } finally {
      await sandbox.control('POST', '/entra/consent/contoso.com/permissions', {
        permission: 'Calendars.ReadWrite',
      });
    }
  });

  it('answers an unknown segment with BadRequest and an unknown version likewise', async () => {
    expectGraphError(
      await graph(sandbox, token, `/users/${ADMIN}/mailFolderz`),
      400,
      'BadRequest',
      /mailFolderz/,
    );
    const beta = await graph(sandbox, token, `${sandbox.urls.graph}/v2.0/users/${ADMIN}/calendar`);
    expectGraphError(beta, 400, 'BadRequest', 'Invalid version: v2.0');
  });
});

describe('fault injection (service graph)', () => {
  it('throttles with 429 and Retry-After in seconds, per operation', async () => {
    await injectFaultOnce(sandbox, {
      service: 'graph',
      operation: 'calendarView',
      kind: 'throttle',
      ms: 2500,
    });
    expect((await graph(sandbox, token, `/users/${ADMIN}/calendar`)).status).toBe(200);
    const throttled = await graph(sandbox, token, `/users/${ADMIN}/calendarView?${WINDOW}`);
    expectGraphError(throttled, 429, 'TooManyRequests');
    expect(throttled.headers['retry-after']).toBe('3');
    expect((await graph(sandbox, token, `/users/${ADMIN}/calendarView?${WINDOW}`)).status).toBe(200);
  });

  it('injects 503 and 504 in Graph error shape, and a malformed body', async () => {
    await injectFaultOnce(sandbox, { service: 'graph', operation: 'places', kind: 'http5xx', status: 503 });
    const unavailable = await graph(sandbox, token, '/places/microsoft.graph.room');
    expectGraphError(unavailable, 503, 'serviceNotAvailable');
    expect(unavailable.headers['retry-after']).toBeDefined();
    await injectFaultOnce(sandbox, { service: 'graph', operation: 'calendar', kind: 'http5xx', status: 504 });
    expectGraphError(await graph(sandbox, token, `/users/${ADMIN}/calendar`), 504, 'GatewayTimeout');
    await injectFaultOnce(sandbox, { service: 'graph', operation: 'calendar', kind: 'malformed' });
    const broken = await graph<string>(sandbox, token, `/users/${ADMIN}/calendar`);
    expect(broken.status).toBe(200);
    expect(typeof broken.body).toBe('string');
  });

  it('never answers a request hit by a time-out fault', async () => {
    await injectFaultOnce(sandbox, { service: 'graph', operation: 'calendar', kind: 'timeout' });
    const outcome = await new Promise<string>((resolve) => {
      const req = https.request(`${sandbox.urls.graph}/v1.0/users/${ADMIN}/calendar`, {
        agent: new https.Agent({ ca: sandbox.certs.caCertPem }),
        headers: { authorization: `Bearer ${token}` },
        timeout: 300,
      });
      req.on('timeout', () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('response', () => resolve('answered'));
      req.on('error', () => undefined);
      req.end();
    });
    expect(outcome).toBe('timed out');
  });
});

describe("Outlook's concurrency limit (4 requests in flight per app and mailbox)", () => {
  it('answers exactly the requests beyond 4 in flight with 429 ApplicationThrottled and Retry-After', async () => {
    const traffic = graphTraffic(sandbox.context);
    traffic.clear();
    // Held in flight until released: the limit is observed without any real waiting.
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'latency',
      ms: 60_000,
    });
    const pending = Array.from({ length: 6 }, () => graph(sandbox, token, `/users/${ADMIN}/calendar`));
    await until(
      () => traffic.list().length === 6 && sandbox.context.faults.delayed() === 4,
      'six arrivals, four of them held',
    );
    // The limit counts every operation on the mailbox; another mailbox has its own four.
    expectGraphError(
      await graph(sandbox, token, `/users/${ADMIN}/calendarView?${WINDOW}`),
      429,
      'ApplicationThrottled',
    );
    expect((await graph(sandbox, token, `/users/${OSLO}/calendarView?${WINDOW}`)).status).toBe(200);

    expect((await sandbox.control<{ released: number }>('POST', '/faults/release')).body.released).toBe(4);
    const results = await Promise.all(pending);
    const arrivals = traffic.list().filter((e) => e.operation === 'calendar');
    expect(arrivals.map((e) => e.inFlight)).toEqual([1, 2, 3, 4, 0, 0]);
    expect(arrivals.map((e) => e.status)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(2);
    for (const res of refused) {
      expectGraphError(res, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
      expect(res.headers['retry-after']).toBe('1');
    }
    expect(sandbox.context.faults.delayed()).toBe(0);
  });
});

describe('JSON batching ($batch)', () => {
  interface BatchResponse {
    responses: Array<{
      id: string;
      status: number;
      headers: Record<string, string>;
      body: Record<string, unknown>;
    }>;
  }
  const batch = (requests: unknown[]) =>
    graph<BatchResponse>(sandbox, token, '/$batch', { method: 'POST', body: { requests } });

  it('answers each request in order, with its own status and body', async () => {
    const res = await batch([
      { id: '1', method: 'GET', url: `/users/${ADMIN}/calendar` },
      { id: '2', method: 'GET', url: `users/${OSLO}/calendarView?${WINDOW}&$top=2&$select=subject` },
      { id: '3', method: 'GET', url: '/places/microsoft.graph.roomlist' },
      {
        id: '4',
        method: 'POST',
        url: `/users/${ADMIN}/calendar/getSchedule`,
        headers: { 'Content-Type': 'application/json' },
        body: {
          schedules: [OSLO],
          startTime: { dateTime: '2031-03-03T00:00:00', timeZone: 'UTC' },
          endTime: { dateTime: '2031-03-04T00:00:00', timeZone: 'UTC' },
        },
      },
      { id: '5', method: 'GET', url: '/users/nobody@contoso.com/calendar' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.responses.map((r) => [r.id, r.status])).toEqual([
      ['1', 200],
      ['2', 200],
      ['3', 200],
      ['4', 200],
      ['5', 404],
    ]);
    expect(res.body.responses[1]!.body['@odata.nextLink']).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\//,
    );
    expect((res.body.responses[3]!.body.value as unknown[]).length).toBe(1);
    expect((res.body.responses[4]!.body as unknown as GraphErrorBody).error.code).toBe('ErrorInvalidUser');
  });

  it('runs dependsOn in order and fails dependents of a failed request with 424', async () => {
    const res = await batch([
      { id: 'a', method: 'GET', url: '/users/nobody@contoso.com/calendar' },
      { id: 'b', method: 'GET', url: `/users/${ADMIN}/calendar`, dependsOn: ['a'] },
      { id: 'c', method: 'GET', url: `/users/${OSLO}/calendar` },
      { id: 'd', method: 'GET', url: `/users/${OSLO}/calendar`, dependsOn: ['c'] },
    ]);
    expect(res.body.responses.map((r) => r.status)).toEqual([404, 424, 200, 200]);
  });

  it('refuses more than 20 requests, and a body without Content-Type in its item', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: `/users/${ADMIN}/calendar`,
    }));
    expectGraphError(
      await batch(many),
      400,
      'BadRequest',
      'Number of requests inside batch exceeds the limit.',
    );
    const res = await batch([
      { id: '1', method: 'POST', url: `/users/${ADMIN}/calendar/getSchedule`, body: { schedules: [OSLO] } },
    ]);
    expect(res.body.responses[0]).toMatchObject({ status: 400 });
  });

  it('counts each request against the mailbox concurrency limit: a batch does not get around it', async () => {
    const traffic = graphTraffic(sandbox.context);
    traffic.clear();
    await sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'calendar',
      kind: 'latency',
      ms: 60_000,
    });
    const pending = batch(
      Array.from({ length: 6 }, (_, i) => ({
        id: `${i + 1}`,
        method: 'GET',
        url: `/users/${ADMIN}/calendar`,
      })),
    );
    await until(
      () => traffic.list().filter((e) => e.batch).length === 6 && sandbox.context.faults.delayed() === 4,
      'six batch items, four held',
    );
    sandbox.context.faults.releaseDelays();
    const res = await pending;
    const statuses = res.body.responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const refused = res.body.responses.filter((r) => r.status === 429);
    for (const r of refused) expect(r.headers['Retry-After']).toBe('1');
    const items = traffic.list().filter((e) => e.batch);
    expect(new Set(items.map((e) => e.batch!.requestId)).size).toBe(1);
  });
});

describe('traffic recorder', () => {
  it('lists Graph requests with operation, mailbox and status through the control API', async () => {
    await sandbox.control('DELETE', '/graph/traffic');
    await graph(sandbox, token, `/users/${ADMIN}/calendar`);
    await graph(sandbox, token, '/places/microsoft.graph.room');
    const res = await sandbox.control<{ value: Array<Record<string, unknown>> }>('GET', '/graph/traffic');
    expect(res.body.value).toEqual([
      expect.objectContaining({ operation: 'calendar', mailbox: ADMIN, status: 200, tenantId: contoso().id }),
      expect.objectContaining({ operation: 'places', status: 200 }),
    ]);
  });
});

describe('revoking consent and disabling the app', () => {
  it('stop new Graph tokens at Entra; a token already issued is honoured until it expires, as Graph does', async () => {
    const issued = await appToken(sandbox, 'tailspintoys.com', GRAPH_SCOPE);
    expect((await sandbox.control('DELETE', '/entra/consent/tailspintoys.com')).status).toBe(204);
    await expect(appToken(sandbox, 'tailspintoys.com', GRAPH_SCOPE)).rejects.toMatchObject({
      errorCode: 'unauthorized_client',
      errorMessage: expect.stringContaining('AADSTS700016'),
    });
    expect((await graph(sandbox, issued, '/places/microsoft.graph.room')).status).toBe(200);

    await sandbox.control('POST', '/entra/consent', { tenant: 'tailspintoys.com' });
    await sandbox.control('POST', '/entra/app/disable');
    try {
      await expect(appToken(sandbox, 'tailspintoys.com', GRAPH_SCOPE)).rejects.toMatchObject({
        errorMessage: expect.stringContaining('AADSTS7000112'),
      });
    } finally {
      await sandbox.control('POST', '/entra/app/enable');
    }
    expect(rolesOf(await appToken(sandbox, 'tailspintoys.com', GRAPH_SCOPE))).toEqual([
      'Calendars.ReadWrite',
      'Place.Read.All',
    ]);
  });
});
