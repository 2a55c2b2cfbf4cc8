/** discoverRooms over a fake mailbox-access port: per-list and per-room diagnostics, each room checked once. */
import { ExchangeConnectError } from '../../api/src/errors';
import type { MailboxAccess } from '../../api/src/exchange/port';
import { discoverRooms } from '../../api/src/exchange/rooms';

const window = { start: new Date('2031-01-01T00:00:00Z'), end: new Date('2031-01-08T00:00:00Z') };
const failure = (kind: 'mailbox_not_found' | 'unreachable', code: string) =>
  new ExchangeConnectError({ kind, code, message: code, remediation: 'fix it' });

function fakeGateway(): MailboxAccess & { counted: string[] } {
  const counted: string[] = [];
  return {
    counted,
    protocol: 'ews',
    openCalendar: async () => ({ displayName: 'Calendar', totalCount: 1 }),
    listRoomLists: async () => [
      { address: 'rooms.hq@contoso.com', name: 'HQ' },
      { address: 'rooms.annex@contoso.com', name: 'Annex' },
      { address: 'rooms.broken@contoso.com', name: 'Broken' },
    ],
    listRooms: async (list) => {
      if (list === 'rooms.broken@contoso.com') throw failure('unreachable', 'HTTP 503');
      return list === 'rooms.hq@contoso.com'
        ? [
            { address: 'room.oslo@contoso.com', name: 'Oslo' },
            { address: 'room.gone@contoso.com', name: 'Gone' },
          ]
        : [{ address: 'Room.Oslo@contoso.com', name: 'Oslo' }];
    },
    countCalendarItems: async (mailbox) => {
      counted.push(mailbox);
      if (mailbox === 'room.gone@contoso.com') throw failure('mailbox_not_found', 'ErrorNonExistentMailbox');
      return 7;
    },
  };
}

test('lists, rooms and per-room reachability with diagnostics', async () => {
  const gateway = fakeGateway();
  const found = await discoverRooms(gateway, window);
  expect(found.roomLists).toEqual([
    {
      address: 'rooms.hq@contoso.com',
      name: 'HQ',
      rooms: ['room.oslo@contoso.com', 'room.gone@contoso.com'],
    },
    { address: 'rooms.annex@contoso.com', name: 'Annex', rooms: ['Room.Oslo@contoso.com'] },
    {
      address: 'rooms.broken@contoso.com',
      name: 'Broken',
      rooms: [],
      diagnostic: { kind: 'unreachable', code: 'HTTP 503', message: 'HTTP 503', remediation: 'fix it' },
    },
  ]);
  expect(found.rooms).toEqual([
    { address: 'room.oslo@contoso.com', name: 'Oslo', reachable: true, itemCount: 7 },
    {
      address: 'room.gone@contoso.com',
      name: 'Gone',
      reachable: false,
      diagnostic: {
        kind: 'mailbox_not_found',
        code: 'ErrorNonExistentMailbox',
        message: 'ErrorNonExistentMailbox',
        remediation: 'fix it',
      },
    },
  ]);
  expect(gateway.counted).toEqual(['room.oslo@contoso.com', 'room.gone@contoso.com']);
});

test('a failure to list room lists fails the discovery; a non-diagnostic error is not swallowed', async () => {
  const gateway = fakeGateway();
  gateway.listRoomLists = async () => {
    throw failure('unreachable', 'HTTP 502');
  };
  await expect(discoverRooms(gateway, window)).rejects.toMatchObject({
    code: 'HTTP 502',
  });
  const buggy = fakeGateway();
  buggy.countCalendarItems = async () => {
    throw new TypeError('bug');
  };
  await expect(discoverRooms(buggy, window)).rejects.toThrow(TypeError);
});

test('a cap on room calendars read: an even sample of the rooms, each list still listed, and the total said', async () => {
  const access = fakeGateway();
  const many = Array.from({ length: 10 }, (_, i) => ({
    address: `room.${i}@contoso.com`,
    name: `Room ${i}`,
  }));
  access.listRooms = async () => many;
  const found = await discoverRooms(access, window, {}, { maxRooms: 4 });
  expect(found.total).toBe(10);
  expect(found.rooms.map((r) => r.address)).toEqual([
    'room.0@contoso.com',
    'room.2@contoso.com',
    'room.5@contoso.com',
    'room.7@contoso.com',
  ]);
  expect(access.counted).toHaveLength(4);
  expect(found.roomLists.every((l) => l.rooms.length === 10)).toBe(true);
  const all = await discoverRooms(fakeGateway(), window, {}, { maxRooms: 100 });
  expect(all.total).toBe(2);
  expect(all.rooms).toHaveLength(2);
});
