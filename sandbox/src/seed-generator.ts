/**
 * Seeds with many Exchange Online tenants for scale tests: tenant `i` (from 1) gets index-derived
 * GUIDs and addresses (`tenant0001.example.com`), a Global Admin with a mailbox, a regular user, M
 * rooms (10 by default) in room lists of up to 10, EWS allowed for our app. Deterministic: the same
 * options give the same seed, so tests can name `admin@tenant0042.example.com` without looking it up.
 */
import { loadSeed, seedSchema, type Seed, type SeedTenant } from './seed';

export interface SeedGeneratorOptions {
  /** How many Exchange Online tenants to generate. */
  tenants: number;
  /** Rooms per tenant (default 10). */
  roomsPerTenant?: number;
  /** Rooms per room list (default 10); 0 leaves the tenants without room lists. */
  roomsPerList?: number;
  /** Publisher, app and bot, and the tenants kept in front of the generated ones (default: tenant.json). */
  base?: Seed;
  /** Whether the base seed's tenants stay (default true: Contoso, Fabrikam, … remain at their indexes). */
  keepBaseTenants?: boolean;
}

/** `00000000-0000-4000-8000-0000000000ff` style: a GUID whose last group is the index, per kind. */
function indexGuid(kind: number, index: number): string {
  const prefix = kind.toString(16).padStart(8, '0');
  return `${prefix}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

const pad = (index: number) => String(index).padStart(4, '0');

export const generatedTenantId = (index: number) => indexGuid(0x7e4a0001, index);
export const generatedDomain = (index: number) => `tenant${pad(index)}.example.com`;
export const generatedAdmin = (index: number) => `admin@${generatedDomain(index)}`;
export const generatedUser = (index: number) => `user@${generatedDomain(index)}`;
export const generatedRoom = (index: number, room: number) =>
  `room${String(room).padStart(2, '0')}@${generatedDomain(index)}`;
export const generatedRoomList = (index: number, list: number) => `rooms${list}@${generatedDomain(index)}`;

export function generatedTenant(
  index: number,
  appId: string,
  roomsPerTenant = 10,
  roomsPerList = 10,
): SeedTenant {
  const domain = generatedDomain(index);
  const rooms = Array.from({ length: roomsPerTenant }, (_, r) => ({
    address: generatedRoom(index, r + 1),
    displayName: `Room ${r + 1} (${4 + (r % 8)})`,
    capacity: 4 + (r % 8),
    building: `Building ${1 + Math.floor(r / 10)}`,
    floorNumber: 1 + (r % 5),
  }));
  const lists =
    roomsPerList > 0
      ? Array.from({ length: Math.ceil(rooms.length / roomsPerList) }, (_, l) => ({
          address: generatedRoomList(index, l + 1),
          displayName: `Tenant ${pad(index)} rooms ${l + 1}`,
          rooms: rooms.slice(l * roomsPerList, (l + 1) * roomsPerList).map((r) => r.address),
        }))
      : [];
  return {
    id: generatedTenantId(index),
    displayName: `Tenant ${pad(index)}`,
    domains: [domain, `tenant${pad(index)}.onmicrosoft.com`],
    exchange: { kind: 'online', ews: { enabled: true, allowedAppIds: [appId] } },
    users: [
      {
        id: indexGuid(0x7e4a0002, index),
        upn: generatedAdmin(index),
        displayName: `Admin ${pad(index)}`,
        roles: ['Global Administrator'],
        mailbox: true,
      },
      {
        id: indexGuid(0x7e4a0003, index),
        upn: generatedUser(index),
        displayName: `User ${pad(index)}`,
        roles: [],
        mailbox: true,
      },
    ],
    rooms,
    roomLists: lists,
  };
}

/**
 * A seed with `tenants` generated tenants after the base seed's. Built directly in the schema's
 * shape (already lower-case), so validating it is a single pass that stays fast for 2,000+ tenants.
 */
export function generateSeed(options: SeedGeneratorOptions): Seed {
  const base = options.base ?? loadSeed();
  const kept = options.keepBaseTenants === false ? [] : base.tenants;
  const generated = Array.from({ length: options.tenants }, (_, i) =>
    generatedTenant(i + 1, base.app.clientId, options.roomsPerTenant ?? 10, options.roomsPerList ?? 10),
  );
  return seedSchema.parse({ ...base, tenants: [...kept, ...generated] });
}
