/**
 * Room discovery through the real ews-javascript-api: GetRoomLists, GetRooms and one FindItem
 * (CalendarView) per room, for Contoso (app-only) and Fabrikam (Basic), with the per-room
 * diagnostic when a calendar cannot be read, and never more requests in flight than the tenant limit.
 */
import { issueAppOnlyToken, RESOURCES } from '../../sandbox/src/access-tokens';
import { discoverRooms as discoverOverAccess } from '../../api/src/exchange/rooms';
import { KeyedConcurrency } from '../../api/src/exchange/keyed-concurrency';
import {
  EwsGateway,
  ewsProtocol,
  type EwsConnection,
  type ExchangeGateway,
} from '../../api/src/exchange/ews-gateway';
import { injectFaultOnce } from '../support/faults';
import { testPolicy } from '../support/outbound';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

/** Records the most requests one tenant ever had in flight. */
class CountingConcurrency extends KeyedConcurrency {
  current = 0;
  highest = 0;
  override run<T>(tenantId: string, task: () => Promise<T>): Promise<T> {
    return super.run(tenantId, async () => {
      this.current += 1;
      this.highest = Math.max(this.highest, this.current);
      try {
        return await task();
      } finally {
        this.current -= 1;
      }
    });
  }
}

/** Room discovery over the gateway's EWS mailbox access for `connection`, acting as `actingAs`. */
function discoverRooms(gw: ExchangeGateway, connection: EwsConnection, actingAs: string, w: typeof window) {
  const credentials =
    connection.method === 'modern'
      ? { kind: 'app-token' as const, accessToken: connection.accessToken }
      : { kind: 'password' as const, username: connection.username, password: connection.password };
  const access = ewsProtocol(gw).connect({
    tenantId: connection.tenantId,
    endpoint: connection.ewsUrl,
    credentials,
    actingAs,
  });
  return discoverOverAccess(access, w);
}

const window = { start: new Date('2031-03-03T00:00:00Z'), end: new Date('2031-03-10T00:00:00Z') };
let sandbox: TestSandbox;
let gateway: EwsGateway;
let online: EwsConnection;
let basic: EwsConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const { seed } = sandbox.context;
  const contoso = seed.tenants.find((t) => t.exchange.kind === 'online')!.id;
  gateway = new EwsGateway({
    appId: seed.app.clientId,
    policy: testPolicy({ caPem: sandbox.certs.caCertPem, dangerouslyAllowPrivateHosts: true }),
  });
  online = {
    method: 'modern',
    tenantId: contoso,
    ewsUrl: `${sandbox.urls.exchangeOnline}/EWS/Exchange.asmx`,
    accessToken: await issueAppOnlyToken(sandbox.context, {
      tenantId: contoso,
      appId: seed.app.clientId,
      resource: RESOURCES.exchange,
      roles: ['full_access_as_app'],
      servicePrincipalId: '3f1e0a52-7c55-4b8e-9a41-0c6d2b1f9e77',
    }),
  };
  basic = {
    method: 'basic',
    tenantId: seed.tenants.find((t) => t.exchange.kind === 'server')!.id,
    ewsUrl: `${sandbox.urls.exchangeServer}/EWS/Exchange.asmx`,
    username: 'svc-ews@fabrikam.com',
    password: 'Sandbox-Only-Pa55!',
  };
});
afterEach(() => sandbox.control('DELETE', '/faults'));
afterAll(async () => {
  gateway.close();
  await sandbox.close();
});

test('Contoso: the room list, its three rooms, each calendar readable', async () => {
  const found = await discoverRooms(gateway, online, 'admin@contoso.com', window);
  expect(found.roomLists).toEqual([
    {
      address: 'rooms.hq@contoso.com',
      name: 'Contoso HQ rooms',
      rooms: ['room.oslo@contoso.com', 'room.aarhus@contoso.com', 'room.berlin@contoso.com'],
    },
  ]);
  expect(found.rooms).toHaveLength(3);
  for (const room of found.rooms) {
    expect(room.reachable).toBe(true);
    expect(room.itemCount).toBeGreaterThan(0);
  }
});

test('Contoso with an access policy covering two rooms: the third is unreachable with access_policy_denied', async () => {
  const tenant = online.tenantId;
  await sandbox.control('PUT', `/exchange/access-policy/${tenant}`, {
    mailboxes: ['room.oslo@contoso.com', 'room.aarhus@contoso.com'],
  });
  try {
    const found = await discoverRooms(gateway, online, 'room.oslo@contoso.com', window);
    const byAddress = Object.fromEntries(found.rooms.map((r) => [r.address, r]));
    expect(byAddress['room.oslo@contoso.com']?.reachable).toBe(true);
    expect(byAddress['room.aarhus@contoso.com']?.reachable).toBe(true);
    expect(byAddress['room.berlin@contoso.com']).toMatchObject({
      reachable: false,
      diagnostic: { kind: 'access_policy_denied', code: 'ErrorAccessDenied' },
    });
  } finally {
    await sandbox.control('PUT', `/exchange/access-policy/${tenant}`, { mailboxes: null });
  }
});

test('Fabrikam: both rooms readable; a deleted room leaves the list', async () => {
  const all = await discoverRooms(gateway, basic, 'admin@fabrikam.com', window);
  expect(all.rooms.map((r) => [r.address, r.reachable])).toEqual([
    ['room.zurich@fabrikam.com', true],
    ['room.geneva@fabrikam.com', true],
  ]);
  await sandbox.control('DELETE', '/exchange/mailboxes/room.geneva@fabrikam.com');
  try {
    const after = await discoverRooms(gateway, basic, 'admin@fabrikam.com', window);
    expect(after.roomLists[0]?.rooms).toEqual(['room.zurich@fabrikam.com']);
    // A room deleted after the list was read: its own check names the missing mailbox.
    await expect(
      gateway.countCalendarItems(basic, 'room.geneva@fabrikam.com', window.start, window.end),
    ).rejects.toMatchObject({
      kind: 'mailbox_not_found',
      code: 'ErrorNonExistentMailbox',
    });
  } finally {
    await sandbox.control('POST', '/exchange/mailboxes/room.geneva@fabrikam.com/restore');
  }
});

test('Fabrikam: a room whose FindItem fails is unreachable with its diagnostic, the other is fine', async () => {
  await injectFaultOnce(sandbox, { service: 'ews', operation: 'FindItem', kind: 'http5xx', status: 502 });
  const found = await discoverRooms(gateway, basic, 'admin@fabrikam.com', window);
  const unreachable = found.rooms.filter((r) => !r.reachable);
  expect(unreachable).toHaveLength(1);
  expect(unreachable[0]?.diagnostic).toMatchObject({ kind: 'unreachable', code: 'HTTP 502' });
  expect(found.rooms.filter((r) => r.reachable)).toHaveLength(1);
});

test('the tenant limit bounds the requests in flight during discovery', async () => {
  const concurrency = new CountingConcurrency(2);
  const limited = new EwsGateway({
    appId: sandbox.context.seed.app.clientId,
    policy: testPolicy({ caPem: sandbox.certs.caCertPem, dangerouslyAllowPrivateHosts: true }),
    concurrency,
  });
  try {
    await sandbox.control('POST', '/faults', {
      service: 'ews',
      operation: 'FindItem',
      kind: 'latency',
      ms: 100,
    });
    const found = await discoverRooms(limited, online, 'admin@contoso.com', window);
    expect(found.rooms.every((r) => r.reachable)).toBe(true);
    expect(concurrency.highest).toBe(2);
    expect(concurrency.inFlight(online.tenantId)).toBe(0);
  } finally {
    limited.close();
  }
});
