/**
 * The rooms line of the verification checklist. Rooms are found through room lists, so an
 * organisation without any sees zero rooms: the line must say why and what to do, not just "0".
 */
import { roomsSummary } from '../../tab/src/verification/rooms';

const graph = { method: 'modern', protocol: 'graph' } as const;
const ewsServer = { method: 'basic' } as const;
const room = { address: 'room.1@contoso.com', name: 'Room 1', reachable: true };

describe('roomsSummary', () => {
  it('counts rooms, lists and reachable rooms', () => {
    expect(roomsSummary({ roomLists: 1, rooms: [room] }, graph)).toBe('1 room in 1 room list, 1 reachable');
  });

  it('with no room lists, says so and how to create one, with the 48 hours Places can take (Graph)', () => {
    const line = roomsSummary({ roomLists: 0, rooms: [] }, graph);
    expect(line).toMatch(/no room lists/i);
    expect(line).toContain("New-DistributionGroup -Name 'Meeting rooms' -RoomList");
    expect(line).toContain("Add-DistributionGroupMember -Identity 'Meeting rooms' -Member '<room mailbox>'");
    expect(line).toMatch(/48 hours/);
  });

  it.each([
    ['Exchange Server', ewsServer],
    ['Exchange Online over EWS', { method: 'modern', protocol: 'ews' } as const],
  ])('over EWS (GetRooms, %s), the same advice without the Places delay', (_name, kind) => {
    const line = roomsSummary({ roomLists: 0, rooms: [] }, kind);
    expect(line).toMatch(/no room lists/i);
    expect(line).toContain('-RoomList');
    expect(line).not.toMatch(/48 hours|Places/);
  });
});
