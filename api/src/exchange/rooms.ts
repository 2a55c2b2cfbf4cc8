/**
 * Rooms, the same way for verification and health, whatever the protocol: the organisation's room
 * lists and their rooms (each room once), and whether each room's calendar can be read. Requests
 * go out together; the protocol adapter keeps the tenant (or mailbox) at its in-flight limit.
 */
import { isExchangeConnectError, type Diagnostic } from '../errors';
import type { CallOptions, MailboxAccess, Room, RoomList, TimeWindow } from './port';

export interface RoomListResult extends RoomList {
  /** Addresses of the list's rooms (empty when the list could not be read). */
  rooms: string[];
  diagnostic?: Diagnostic;
}

export interface RoomCheck extends Room {
  reachable: boolean;
  /** Calendar items in the window, when reachable. */
  itemCount?: number;
  diagnostic?: Diagnostic;
}

export interface FoundRooms {
  roomLists: RoomListResult[];
  /** Each room once, even when it is in several lists. */
  rooms: Room[];
}

export interface RoomDiscovery {
  roomLists: RoomListResult[];
  /** The rooms whose calendars were read: all of them, or a sample of `maxRooms`. */
  rooms: RoomCheck[];
  /** Rooms found in all lists (each once). */
  total: number;
}

export interface DiscoveryLimits {
  /** Room calendars read at most; beyond this an even sample of the rooms is read. */
  maxRooms?: number;
}

/**
 * At most `size` rooms, spread evenly over the sorted list: one organisation with 1,500 rooms must
 * not cost 1,500 calendar reads per verification, and the sample still reaches across its lists.
 */
export function evenSample<T extends Room>(rooms: readonly T[], size: number): T[] {
  if (rooms.length <= size) return [...rooms];
  const sorted = [...rooms].sort((a, b) => a.address.localeCompare(b.address));
  return Array.from({ length: size }, (_, i) => sorted[Math.floor((i * sorted.length) / size)] as T);
}

/**
 * A failure of one list or room is reported with it; anything that is not ours is a defect, and a
 * caller that gave up (its signal's reason) ends the whole discovery.
 */
function diagnosticOf(error: unknown, options: CallOptions): Diagnostic {
  if (options.abortSignal?.aborted) throw options.abortSignal.reason;
  if (isExchangeConnectError(error)) return error.toDiagnostic();
  throw error;
}

/** The room lists and their rooms; a list that cannot be read is reported, not fatal. */
export async function findRooms(access: MailboxAccess, options: CallOptions = {}): Promise<FoundRooms> {
  const lists = await access.listRoomLists(options);
  const roomLists = await Promise.all(
    lists.map(async (list): Promise<RoomListResult & { members: Room[] }> => {
      try {
        const members = await access.listRooms(list.address, options);
        return { ...list, rooms: members.map((r) => r.address), members };
      } catch (error) {
        return { ...list, rooms: [], members: [], diagnostic: diagnosticOf(error, options) };
      }
    }),
  );
  const unique = new Map<string, Room>();
  for (const room of roomLists.flatMap((l) => l.members)) {
    if (!unique.has(room.address.toLowerCase())) unique.set(room.address.toLowerCase(), room);
  }
  return {
    roomLists: roomLists.map(({ members: _members, ...list }) => list),
    rooms: [...unique.values()],
  };
}

/** Reads each room's calendar over the window. */
export function checkRooms(
  access: MailboxAccess,
  rooms: readonly Room[],
  window: TimeWindow,
  options: CallOptions = {},
): Promise<RoomCheck[]> {
  return Promise.all(
    rooms.map(async (room): Promise<RoomCheck> => {
      try {
        const itemCount = await access.countCalendarItems(room.address, window, options);
        return { ...room, reachable: true, itemCount };
      } catch (error) {
        return { ...room, reachable: false, diagnostic: diagnosticOf(error, options) };
      }
    }),
  );
}

export async function discoverRooms(
  access: MailboxAccess,
  window: TimeWindow,
  options: CallOptions = {},
  limits: DiscoveryLimits = {},
): Promise<RoomDiscovery> {
  const found = await findRooms(access, options);
  const sample = evenSample(found.rooms, limits.maxRooms ?? Infinity);
  return {
    roomLists: found.roomLists,
    rooms: await checkRooms(access, sample, window, options),
    total: found.rooms.length,
  };
}
