/** The rooms the last verification found, read from the rooms step's detail. */
import type { StepView, VerificationView } from '../../../api/src/http/contract';
import { noRoomListsAdvice, type ConnectionKind } from '../../../api/src/vocabulary';

export interface RoomResult {
  address: string;
  name: string;
  reachable: boolean;
  code?: string;
}

export interface RoomsFound {
  roomLists: number;
  rooms: RoomResult[];
}

function isRoom(value: unknown): value is RoomResult {
  if (typeof value !== 'object' || value === null) return false;
  const room = value as Record<string, unknown>;
  return (
    typeof room.address === 'string' && typeof room.name === 'string' && typeof room.reachable === 'boolean'
  );
}

export function roomsFromStep(step: StepView | undefined): RoomsFound | undefined {
  if (!step || step.status !== 'ok' || !step.detail) return undefined;
  const rooms = Array.isArray(step.detail.rooms) ? step.detail.rooms.filter(isRoom) : [];
  const roomLists = typeof step.detail.roomLists === 'number' ? step.detail.roomLists : 0;
  return { roomLists, rooms };
}

export function roomsFromVerification(
  verification: VerificationView | null | undefined,
): RoomsFound | undefined {
  return roomsFromStep(verification?.steps.find((s) => s.name === 'rooms'));
}

/** One line for the checklist: "3 rooms in 1 room list, 3 reachable", or how to get a room list. */
export function roomsSummary(found: RoomsFound, kind: ConnectionKind): string {
  if (found.roomLists === 0) return noRoomListsAdvice(kind);
  const reachable = found.rooms.filter((r) => r.reachable).length;
  const rooms = `${found.rooms.length} ${found.rooms.length === 1 ? 'room' : 'rooms'}`;
  const lists = `${found.roomLists} room ${found.roomLists === 1 ? 'list' : 'lists'}`;
  return `${rooms} in ${lists}, ${reachable} reachable`;
}
