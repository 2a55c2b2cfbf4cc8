/** Calendar entries (the sandbox's deterministic meetings) as Microsoft Graph `event` resources. */
import { createHash } from 'node:crypto';
import type { CalendarEntry } from '../calendar-data';
import type { MailboxTarget } from './mailbox';

export const EVENT_PROPERTIES = [
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'transactionId',
  'originalStartTimeZone',
  'originalEndTimeZone',
  'iCalUId',
  'reminderMinutesBeforeStart',
  'isReminderOn',
  'hasAttachments',
  'subject',
  'bodyPreview',
  'importance',
  'sensitivity',
  'isAllDay',
  'isCancelled',
  'isOrganizer',
  'responseRequested',
  'seriesMasterId',
  'showAs',
  'type',
  'webLink',
  'onlineMeetingUrl',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'allowNewTimeProposals',
  'isDraft',
  'hideAttendees',
  'responseStatus',
  'body',
  'start',
  'end',
  'location',
  'locations',
  'recurrence',
  'attendees',
  'organizer',
  'onlineMeeting',
] as const;

const digest = (text: string, length: number) =>
  createHash('sha256').update(text).digest('base64url').slice(0, length);

/** `2031-03-03T09:00:00.0000000`: Graph's dateTimeTimeZone value (seven fractional digits). */
export const graphDateTime = (d: Date) => `${d.toISOString().slice(0, 19)}.0000000`;
const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** Outlook ids are opaque base64; the sandbox derives them from mailbox and start so they are stable. */
export const eventId = (mailbox: string, entry: CalendarEntry) =>
  `AAMkA${digest(`event|${mailbox}|${entry.start.toISOString()}`, 40)}AAA=`.replace(/_/g, '-');

export function eventJson(target: MailboxTarget, entry: CalendarEntry): Record<string, unknown> {
  const id = eventId(target.address, entry);
  const changeKey = digest(`ck|${id}`, 28);
  const created = new Date(entry.start.getTime() - 7 * 86_400_000);
  const isOrganizer = entry.organizer.address === target.address;
  const location = entry.location
    ? {
        displayName: entry.location,
        locationType: target.isRoom ? 'conferenceRoom' : 'default',
        uniqueId: entry.location,
        uniqueIdType: 'private',
      }
    : { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  return {
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: created.toISOString().replace('Z', '0000Z'),
    lastModifiedDateTime: created.toISOString().replace('Z', '0000Z'),
    changeKey,
    categories: [],
    transactionId: null,
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    iCalUId: `040000008200E00074C5B7101A82E008000000${digest(`uid|${id}`, 32).toUpperCase()}`,
    reminderMinutesBeforeStart: 15,
    isReminderOn: !target.isRoom,
    hasAttachments: false,
    subject: entry.subject,
    bodyPreview: '',
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: false,
    isCancelled: false,
    isOrganizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: entry.freeBusy === 'Tentative' ? 'tentative' : 'busy',
    type: 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: isOrganizer ? 'organizer' : 'accepted', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'html', content: '' },
    start: { dateTime: graphDateTime(entry.start), timeZone: 'UTC' },
    end: { dateTime: graphDateTime(entry.end), timeZone: 'UTC' },
    location,
    locations: entry.location ? [location] : [],
    recurrence: null,
    attendees: [
      {
        type: target.isRoom ? 'resource' : 'required',
        status: { response: target.isRoom ? 'accepted' : 'none', time: isoSeconds(created) },
        emailAddress: { name: target.displayName, address: target.address },
      },
    ],
    organizer: { emailAddress: { name: entry.organizer.name, address: entry.organizer.address } },
    onlineMeeting: null,
  };
}
