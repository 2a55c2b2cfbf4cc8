/**
 * Places (`Place.Read.All`, an Entra permission that RBAC for Applications does not cover):
 * `GET /places/microsoft.graph.roomlist`, `GET /places/{roomlist-email}/microsoft.graph.roomlist/rooms`
 * and `GET /places/microsoft.graph.room`, with Graph's room and roomList shapes and paging.
 */
import type { SandboxContext } from '../context';
import { guidFrom, roomObjectId } from '../seed-index';
import type { SeedRoom, SeedRoomList } from '../seed';
import { graphErrors } from './errors';
import { requireRole } from './mailbox';
import {
  contextKey,
  decodeSegment,
  pageOf,
  project,
  readPage,
  readSelect,
  rejectUnsupportedOptions,
} from './odata';
import { ok, type GraphCaller, type GraphRequest, type GraphResponse } from './wire';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 999;

const emptyAddress = (city = '') => ({ street: '', city, state: '', countryOrRegion: '', postalCode: '' });

function roomJson(room: SeedRoom) {
  return {
    id: roomObjectId(room.address).toUpperCase(),
    emailAddress: room.address,
    displayName: room.displayName,
    address: emptyAddress(room.city),
    geoCoordinates: null,
    phone: null,
    nickname: room.displayName,
    label: null,
    capacity: room.capacity,
    building: room.building ?? null,
    floorLabel: null,
    floorNumber: room.floorNumber ?? null,
    isWheelChairAccessible: false,
    bookingType: 'standard',
    tags: [],
    audioDeviceName: null,
    videoDeviceName: null,
    displayDeviceName: null,
  };
}

function roomListJson(list: SeedRoomList) {
  return {
    id: guidFrom('roomList', list.address).toUpperCase(),
    displayName: list.displayName,
    address: emptyAddress(),
    geoCoordinates: null,
    phone: null,
    emailAddress: list.address,
  };
}

const ROOM_PROPERTIES = Object.keys(roomJson({ address: 'x@y.z', displayName: '', capacity: 1 }));
const ROOM_LIST_PROPERTIES = Object.keys(roomListJson({ address: 'x@y.z', displayName: '', rooms: [] }));

function collection(
  ctx: SandboxContext,
  req: GraphRequest,
  context: string,
  type: 'room' | 'roomList',
  all: ReadonlyArray<Record<string, unknown>>,
): GraphResponse {
  rejectUnsupportedOptions(req.query);
  const select = readSelect(req.query, type === 'room' ? ROOM_PROPERTIES : ROOM_LIST_PROPERTIES, type);
  const page = readPage(req.query, DEFAULT_PAGE, MAX_PAGE);
  const { value, nextLink } = pageOf(all, page, { origin: ctx.urls.graph, path: req.path, query: req.query });
  return ok({
    '@odata.context': `${ctx.urls.graph}/v1.0/$metadata#${context}${select ? `(${select.join(',')})` : ''}`,
    value: value.map((entity) => project(entity, select)),
    ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
  });
}

/** Rooms whose mailbox exists: a deleted room mailbox leaves the directory's place list. */
const liveRooms = (ctx: SandboxContext, caller: GraphCaller, rooms: readonly SeedRoom[]) =>
  rooms.filter((r) => ctx.exchange.hasMailbox(caller.tenant.id, r.address));

/** Places knows the rooms of Exchange Online; an on-premises organisation's rooms are not in it. */
const online = (caller: GraphCaller) => caller.tenant.exchange.kind === 'online';

export function listRoomLists(ctx: SandboxContext, caller: GraphCaller, req: GraphRequest): GraphResponse {
  requireRole(caller, 'Place.Read.All');
  const lists = online(caller) ? caller.tenant.roomLists : [];
  return collection(ctx, req, 'places/microsoft.graph.roomList', 'roomList', lists.map(roomListJson));
}

export function listRooms(ctx: SandboxContext, caller: GraphCaller, req: GraphRequest): GraphResponse {
  requireRole(caller, 'Place.Read.All');
  const rooms = online(caller) ? liveRooms(ctx, caller, caller.tenant.rooms) : [];
  return collection(ctx, req, 'places/microsoft.graph.room', 'room', rooms.map(roomJson));
}

export function listRoomListRooms(
  ctx: SandboxContext,
  caller: GraphCaller,
  req: GraphRequest,
  listSegment: string,
): GraphResponse {
  requireRole(caller, 'Place.Read.All');
  const address = decodeSegment(listSegment);
  const found = ctx.index.roomList(address);
  if (!found || found.tenant.id !== caller.tenant.id || !online(caller)) throw graphErrors.itemNotFound();
  const rooms = found.list.rooms.flatMap((a) => {
    const room = ctx.index.room(a);
    return room && room.tenant.id === caller.tenant.id ? [room.room] : [];
  });
  return collection(
    ctx,
    req,
    `places(${contextKey(listSegment)})/microsoft.graph.roomList/rooms`,
    'room',
    liveRooms(ctx, caller, rooms).map(roomJson),
  );
}
