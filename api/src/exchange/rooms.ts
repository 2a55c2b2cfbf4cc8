/**
 * Room discovery: the organisation's room lists, their rooms, and whether each room's calendar
 * can be read (FindItem with a CalendarView). All requests go out together; the gateway keeps the
 * tenant at its in-flight limit.
 */
import { isExchangeConnectError, type Diagnostic } from '../errors';
import type { EwsConnection, ExchangeGateway, Room, RoomList } from './port';

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

export interface RoomDiscovery {
  roomLists: RoomListResult[];
  /** Each room once, even when it is in several lists. */
  rooms: RoomCheck[];
}

function diagnosticOf(error: unknown): Diagnostic {
  if (isExchangeConnectError(error)) return error.toDiagnostic();
  throw error;
}

export async function discoverRooms(
  gateway: ExchangeGateway,
  connection: EwsConnection,
  actingAs: string,
  window: { start: Date; end: Date },
): Promise<RoomDiscovery> {
  const lists = await gateway.listRoomLists(connection, actingAs);
  const roomLists = await Promise.all(
    lists.map(async (list): Promise<RoomListResult & { members: Room[] }> => {
      try {
        const members = await gateway.listRooms(connection, actingAs, list.address);
        return { ...list, rooms: members.map((r) => r.address), members };
      } catch (error) {
        return { ...list, rooms: [], members: [], diagnostic: diagnosticOf(error) };
      }
    }),
  );
  const unique = new Map<string, Room>();
  for (const room of roomLists.flatMap((l) => l.members)) {
    if (!unique.has(room.address.toLowerCase())) unique.set(room.address.toLowerCase(), room);
  }
  const rooms = await Promise.all(
    [...unique.values()].map(async (room): Promise<RoomCheck> => {
      try {
        const itemCount = await gateway.countCalendarItems(
          connection,
          room.address,
          window.start,
          window.end,
        );
        return { ...room, reachable: true, itemCount };
      } catch (error) {
        return { ...room, reachable: false, diagnostic: diagnosticOf(error) };
      }
    }),
  );
  return { roomLists: roomLists.map(({ members: _members, ...list }) => list), rooms };
}
