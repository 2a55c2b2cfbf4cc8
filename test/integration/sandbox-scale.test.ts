/**
 * A sandbox with a generated seed of 2,000 Exchange Online tenants (10 rooms each, in a room list):
 * the seed is deterministic and valid, and a few tenants get consent, tokens from Entra (msal-node),
 * an EWS mailbox and Graph rooms — every lookup by tenant, domain, user or mailbox is indexed.
 */
import { Folder, WellKnownFolderName } from 'ews-javascript-api';
import { seedSchema } from '../../sandbox/src/seed';
import {
  generateSeed,
  generatedAdmin,
  generatedDomain,
  generatedRoom,
  generatedRoomList,
  generatedTenantId,
} from '../../sandbox/src/seed-generator';
import { onlineService } from '../support/ews-client';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { EXCHANGE_SCOPE, GRAPH_SCOPE, appToken, graph, rolesOf } from '../support/sandbox-graph';

const TENANTS = 2000;

describe('generated seeds', () => {
  it('are deterministic, valid against the seed schema and keep the base tenants first', () => {
    const seed = generateSeed({ tenants: TENANTS });
    expect(seedSchema.safeParse(seed).success).toBe(true);
    expect(seed.tenants).toHaveLength(TENANTS + 4);
    expect(seed.tenants.slice(0, 2).map((t) => t.displayName)).toEqual(['Contoso', 'Fabrikam']);
    const t42 = seed.tenants.find((t) => t.id === generatedTenantId(42))!;
    expect(t42).toMatchObject({ domains: [generatedDomain(42), 'tenant0042.onmicrosoft.com'] });
    expect(t42.users.find((u) => u.roles.includes('Global Administrator'))).toMatchObject({
      upn: generatedAdmin(42),
      mailbox: true,
    });
    expect(t42.rooms).toHaveLength(10);
    expect(t42.roomLists).toEqual([
      expect.objectContaining({ address: generatedRoomList(42, 1), rooms: t42.rooms.map((r) => r.address) }),
    ]);
    expect(generateSeed({ tenants: TENANTS })).toEqual(seed);
    const ids = new Set(seed.tenants.flatMap((t) => [t.id, ...t.users.map((u) => u.id)]));
    expect(ids.size).toBe(seed.tenants.reduce((n, t) => n + 1 + t.users.length, 0));
  });

  it('take room counts and list sizes as options', () => {
    const seed = generateSeed({ tenants: 3, roomsPerTenant: 25, roomsPerList: 10, keepBaseTenants: false });
    expect(seed.tenants).toHaveLength(3);
    expect(seed.tenants[0]!.roomLists.map((l) => l.rooms.length)).toEqual([10, 10, 5]);
    expect(
      generateSeed({ tenants: 1, roomsPerList: 0, keepBaseTenants: false }).tenants[0]!.roomLists,
    ).toEqual([]);
  });
});

describe('a sandbox with 2,000 generated tenants', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: generateSeed({ tenants: TENANTS }), appRequestsGraph: true });
  });
  afterAll(() => sandbox.close());

  it.each([1, 777, TENANTS])(
    'consents, gets tokens, opens a mailbox and lists rooms in tenant %i',
    async (index) => {
      const domain = generatedDomain(index);
      expect((await sandbox.control('POST', '/entra/consent', { tenant: domain })).status).toBe(201);

      const exchangeToken = await appToken(sandbox, domain, EXCHANGE_SCOPE);
      expect(rolesOf(exchangeToken)).toEqual(['full_access_as_app']);
      const service = onlineService(exchangeToken, {
        url: sandbox.urls.exchangeOnline,
        caCertPem: sandbox.certs.caCertPem,
        impersonate: generatedAdmin(index),
      });
      expect((await Folder.Bind(service, WellKnownFolderName.Calendar)).DisplayName).toBe('Calendar');

      const graphToken = await appToken(sandbox, generatedTenantId(index), GRAPH_SCOPE);
      const rooms = await graph<{ value: Array<{ emailAddress: string }> }>(
        sandbox,
        graphToken,
        `/places/${generatedRoomList(index, 1)}/microsoft.graph.roomlist/rooms`,
      );
      expect(rooms.status).toBe(200);
      expect(rooms.body.value).toHaveLength(10);
      const calendar = await graph(sandbox, graphToken, `/users/${generatedRoom(index, 5)}/calendar`);
      expect(calendar.status).toBe(200);
      // Another tenant's mailbox stays invisible.
      const other = await graph(
        sandbox,
        graphToken,
        `/users/${generatedAdmin(index === 1 ? 2 : 1)}/calendar`,
      );
      expect(other.status).toBe(404);
    },
  );
});
