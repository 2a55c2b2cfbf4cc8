/**
 * Lookups over the seed by tenant id, domain, user (UPN or object id), mailbox and room list, built
 * once at start so a sandbox with thousands of tenants answers every lookup in O(1).
 */
import { createHash } from 'node:crypto';
import type { Seed, SeedRoom, SeedRoomList, SeedTenant, SeedUser } from './seed';

export interface UserEntry {
  tenant: SeedTenant;
  user: SeedUser;
}
export interface RoomEntry {
  tenant: SeedTenant;
  room: SeedRoom;
  /** The room mailbox's Entra object id (rooms are users in Entra; the seed names them by address only). */
  id: string;
}
export interface RoomListEntry {
  tenant: SeedTenant;
  list: SeedRoomList;
}

/** A stable GUID for a name, so derived object ids survive restarts. */
export function guidFrom(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const roomObjectId = (address: string) => guidFrom('room', address.toLowerCase());

export class SeedIndex {
  private readonly tenantsById = new Map<string, SeedTenant>();
  private readonly tenantsByDomain = new Map<string, SeedTenant>();
  private readonly usersByUpn = new Map<string, UserEntry>();
  private readonly usersById = new Map<string, UserEntry>();
  private readonly roomsByAddress = new Map<string, RoomEntry>();
  private readonly roomsById = new Map<string, RoomEntry>();
  private readonly roomListsByAddress = new Map<string, RoomListEntry>();
  /** On-premises organisations by every domain they answer for (verified and Autodiscover domains). */
  private readonly serverByDomain = new Map<string, SeedTenant>();
  /** On-premises organisations by NetBIOS name (first label of the primary domain), for `DOMAIN\user`. */
  private readonly serverByNetbios = new Map<string, SeedTenant>();

  constructor(readonly seed: Seed) {
    for (const tenant of seed.tenants) {
      this.tenantsById.set(tenant.id.toLowerCase(), tenant);
      for (const domain of tenant.domains) this.tenantsByDomain.set(domain.toLowerCase(), tenant);
      for (const user of tenant.users) {
        const entry = { tenant, user };
        this.usersByUpn.set(user.upn, entry);
        this.usersById.set(user.id.toLowerCase(), entry);
      }
      for (const room of tenant.rooms) {
        const entry = { tenant, room, id: roomObjectId(room.address) };
        this.roomsByAddress.set(room.address, entry);
        this.roomsById.set(entry.id, entry);
      }
      for (const list of tenant.roomLists) this.roomListsByAddress.set(list.address, { tenant, list });
      if (tenant.exchange.kind === 'server') {
        for (const domain of [...tenant.domains, ...tenant.exchange.autodiscoverDomains]) {
          this.serverByDomain.set(domain.toLowerCase(), tenant);
        }
        const netbios = tenant.domains[0]?.split('.')[0];
        if (netbios) this.serverByNetbios.set(netbios.toLowerCase(), tenant);
      }
    }
  }

  /** A tenant by GUID or any verified domain, as Entra resolves the `{tenant}` path segment. */
  tenant(idOrDomain: string): SeedTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenantsById.get(key) ?? this.tenantsByDomain.get(key);
  }

  user(upnOrId: string): UserEntry | undefined {
    const key = upnOrId.toLowerCase();
    return this.usersByUpn.get(key) ?? this.usersById.get(key);
  }

  room(addressOrId: string): RoomEntry | undefined {
    const key = addressOrId.toLowerCase();
    return this.roomsByAddress.get(key) ?? this.roomsById.get(key);
  }

  roomList(address: string): RoomListEntry | undefined {
    return this.roomListsByAddress.get(address.toLowerCase());
  }

  /** The tenant a seeded mailbox (a user with a mailbox, or a room) belongs to, deleted or not. */
  seededMailboxTenant(address: string): SeedTenant | undefined {
    const key = address.toLowerCase();
    const user = this.usersByUpn.get(key);
    if (user?.user.mailbox) return user.tenant;
    return this.roomsByAddress.get(key)?.tenant;
  }

  /** The on-premises organisation that answers for `host` (`mail.fabrikam.com` → Fabrikam), if any. */
  serverOrganisationForHost(host: string): SeedTenant | undefined {
    const labels = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '').split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const found = this.serverByDomain.get(labels.slice(i).join('.'));
      if (found) return found;
    }
    return undefined;
  }

  serverOrganisationForDomain(domain: string): SeedTenant | undefined {
    return this.serverByDomain.get(domain.toLowerCase());
  }

  serverOrganisationForNetbios(name: string): SeedTenant | undefined {
    return this.serverByNetbios.get(name.toLowerCase());
  }
}
