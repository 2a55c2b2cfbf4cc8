/**
 * Deterministic calendar data shared by EWS and Microsoft Graph: every mailbox has meetings on every
 * day, derived from a hash of the address and the date, so any calendar view window (now, next week,
 * 2031) is populated and the same request always sees the same items.
 */
import { createHash } from 'node:crypto';
import type { SeedIndex } from './seed-index';
import type { SeedTenant } from './seed';

export interface CalendarEntry {
  id: string;
  subject: string;
  start: Date;
  end: Date;
  location: string;
  organizer: { name: string; address: string };
  freeBusy: 'Busy' | 'Tentative';
}

const SUBJECTS = [
  'Weekly sync',
  'Project review',
  'Customer call',
  'Design workshop',
  'Budget planning',
  'Team stand-up',
  'Quarterly business review',
  'Interview',
];
const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 1_800_000;

function hashBytes(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Meetings of one mailbox that overlap [start, end), sorted by start. */
export function calendarEntries(
  index: SeedIndex,
  tenant: SeedTenant,
  address: string,
  start: Date,
  end: Date,
): CalendarEntry[] {
  const mailbox = address.toLowerCase();
  const found = index.room(mailbox);
  const room = found?.tenant.id === tenant.id ? found.room : undefined;
  const organizers = tenant.users.filter((u) => u.mailbox && u.upn !== mailbox);
  const entries: CalendarEntry[] = [];
  const firstDay = Math.floor(start.getTime() / DAY_MS) * DAY_MS;
  for (let day = firstDay; day < end.getTime(); day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    const bytes = hashBytes(`${mailbox}|${date}`);
    const count = 2 + ((bytes[0] ?? 0) % 3);
    // Slots of 30 minutes from 08:00 UTC; each meeting takes 1-2 slots with a gap after it.
    let slot = 16 + ((bytes[1] ?? 0) % 4);
    for (let i = 0; i < count && slot < 36; i++) {
      const b = bytes[2 + i] ?? 0;
      const length = 1 + (b % 2);
      const organizer = organizers[b % Math.max(organizers.length, 1)];
      const from = new Date(day + slot * HALF_HOUR_MS);
      const to = new Date(from.getTime() + length * HALF_HOUR_MS);
      slot += length + 1 + (b % 3);
      if (to <= start || from >= end) continue;
      entries.push({
        id: Buffer.from(`cal|${mailbox}|${from.toISOString()}`).toString('base64'),
        subject: SUBJECTS[b % SUBJECTS.length] ?? 'Meeting',
        start: from,
        end: to,
        location: room ? room.displayName : '',
        organizer: organizer
          ? { name: organizer.displayName, address: organizer.upn }
          : { name: mailbox, address: mailbox },
        freeBusy: b % 7 === 0 ? 'Tentative' : 'Busy',
      });
    }
  }
  return entries;
}

/** How many items the calendar folder reports (stable per mailbox). */
export function calendarTotalCount(address: string): number {
  return 120 + ((hashBytes(address.toLowerCase())[0] ?? 0) % 200);
}
