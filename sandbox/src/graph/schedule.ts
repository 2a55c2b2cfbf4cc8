/**
 * `POST /users/{id}/calendar/getSchedule`: free/busy of up to 100 mailboxes in a window, as
 * `scheduleInformation` (availabilityView digits per interval, scheduleItems, working hours).
 * Rooms show subject and location (LimitedDetails, Exchange's default for rooms); users only
 * free/busy (AvailabilityOnly, the default for the organisation).
 */
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { calendarEntries, type CalendarEntry } from '../calendar-data';
import { graphErrors } from './errors';
import { graphDateTime } from './events';
import { authorizeCalendar, resolveMailbox } from './mailbox';
import { zonedInstant } from './time-zones';
import { ok, type GraphCaller, type GraphRequest, type GraphResponse } from './wire';

const dateTimeTimeZone = z.object({ dateTime: z.string().min(1), timeZone: z.string().min(1) });
const bodySchema = z.object({
  schedules: z.array(z.string().min(1)).min(1).max(100),
  startTime: dateTimeTimeZone,
  endTime: dateTimeTimeZone,
  availabilityViewInterval: z.number().int().min(5).max(1440).optional(),
});

/** Graph accepts its JSON property names in any case (`Schedules`, `StartTime`). */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelKeys(v)]),
  );
}

const MAX_WINDOW_MS = 62 * 86_400_000;
const STATUS_DIGIT = { free: '0', tentative: '1', busy: '2' } as const;

function availabilityView(entries: CalendarEntry[], start: Date, end: Date, intervalMin: number): string {
  const step = intervalMin * 60_000;
  let view = '';
  for (let t = start.getTime(); t < end.getTime(); t += step) {
    const overlapping = entries.filter((e) => e.start.getTime() < t + step && e.end.getTime() > t);
    const busy = overlapping.some((e) => e.freeBusy === 'Busy');
    view += busy ? STATUS_DIGIT.busy : overlapping.length > 0 ? STATUS_DIGIT.tentative : STATUS_DIGIT.free;
  }
  return view;
}

export function getSchedule(
  ctx: SandboxContext,
  caller: GraphCaller,
  req: GraphRequest,
  user: string,
): GraphResponse {
  const parsed = bodySchema.safeParse(camelKeys(req.body ?? {}));
  if (!parsed.success) {
    throw graphErrors.invalidRequest(
      `The request is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  const body = parsed.data;
  const start = zonedInstant(body.startTime.dateTime, body.startTime.timeZone);
  const end = zonedInstant(body.endTime.dateTime, body.endTime.timeZone);
  if (!start)
    throw graphErrors.invalidParameter('StartTime', `${body.startTime.dateTime} ${body.startTime.timeZone}`);
  if (!end)
    throw graphErrors.invalidParameter('EndTime', `${body.endTime.dateTime} ${body.endTime.timeZone}`);
  if (end < start) throw graphErrors.endBeforeStart();
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS) {
    throw graphErrors.invalidRequest('The requested time window exceeds the maximum of 62 days.');
  }
  const owner = resolveMailbox(ctx, caller, user);
  authorizeCalendar(ctx, caller, owner, 'Calendars.Read');
  const interval = body.availabilityViewInterval ?? 30;

  const value = body.schedules.map((scheduleId) => {
    const address = scheduleId.toLowerCase();
    const found = ctx.index.user(address) ?? ctx.index.room(address);
    const exists =
      found?.tenant.id === caller.tenant.id && ctx.exchange.hasMailbox(caller.tenant.id, address);
    if (!exists) {
      return {
        scheduleId,
        availabilityView: '',
        error: {
          message: `Unable to resolve e-mail address ${scheduleId} to an Active Directory object.`,
          responseCode: '5009',
        },
      };
    }
    const isRoom = ctx.exchange.isRoom(address);
    const entries = calendarEntries(ctx.index, caller.tenant, address, start, end);
    return {
      scheduleId,
      availabilityView: availabilityView(entries, start, end, interval),
      scheduleItems: entries.map((e) => ({
        isPrivate: false,
        status: e.freeBusy === 'Tentative' ? 'tentative' : 'busy',
        ...(isRoom ? { subject: e.subject, location: e.location } : {}),
        isMeeting: true,
        isRecurring: false,
        isException: false,
        isReminderSet: false,
        start: { dateTime: graphDateTime(e.start), timeZone: 'UTC' },
        end: { dateTime: graphDateTime(e.end), timeZone: 'UTC' },
      })),
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: 'UTC' },
      },
    };
  });
  return ok({
    '@odata.context': `${ctx.urls.graph}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`,
    value,
  });
}
