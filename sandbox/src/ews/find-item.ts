/** FindItem with a CalendarView over a mailbox's calendar: the generated meetings in the window. */
import { calendarEntries, type CalendarEntry } from '../calendar-data';
import { resolveFolderRef } from './folders';
import { checkMailbox, type OperationContext } from './mailbox-access';
import {
  NS,
  SUCCESS,
  errorMessage,
  operationResponse,
  responseMessageContent,
  type ResponseMessage,
} from './soap';
import { readShape, wants, type Shape } from './shape';
import { childOf, el, textEl, type XmlElement } from './xml';

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function calendarItemXml(entry: CalendarEntry, shape: Shape): string {
  const parts: string[] = [
    el('t:ItemId', { Id: entry.id, ChangeKey: 'DwAAABYAAAA' + entry.id.slice(0, 12) }),
  ];
  if (wants(shape, 'item:ItemClass', 'AllProperties')) parts.push(textEl('t:ItemClass', 'IPM.Appointment'));
  if (wants(shape, 'item:Subject', 'Default')) parts.push(textEl('t:Subject', entry.subject));
  if (wants(shape, 'calendar:Start', 'Default')) parts.push(textEl('t:Start', iso(entry.start)));
  if (wants(shape, 'calendar:End', 'Default')) parts.push(textEl('t:End', iso(entry.end)));
  if (wants(shape, 'calendar:IsAllDayEvent', 'AllProperties')) parts.push(textEl('t:IsAllDayEvent', 'false'));
  if (wants(shape, 'calendar:LegacyFreeBusyStatus', 'Default'))
    parts.push(textEl('t:LegacyFreeBusyStatus', entry.freeBusy));
  if (entry.location && wants(shape, 'calendar:Location', 'Default'))
    parts.push(textEl('t:Location', entry.location));
  if (wants(shape, 'calendar:IsMeeting', 'AllProperties')) parts.push(textEl('t:IsMeeting', 'true'));
  if (wants(shape, 'calendar:CalendarItemType', 'AllProperties'))
    parts.push(textEl('t:CalendarItemType', 'Single'));
  if (wants(shape, 'calendar:Organizer', 'Default')) {
    const mailbox =
      textEl('t:Name', entry.organizer.name) +
      textEl('t:EmailAddress', entry.organizer.address) +
      textEl('t:RoutingType', 'SMTP');
    parts.push(el('t:Organizer', {}, el('t:Mailbox', {}, mailbox)));
  }
  return el('t:CalendarItem', {}, parts.join(''));
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function calendarViewResult(
  op: OperationContext,
  idElement: XmlElement,
  view: XmlElement | undefined,
  shape: Shape,
): { message: ResponseMessage; payload: string } {
  const ref = resolveFolderRef(op, idElement);
  if ('responseClass' in ref) return { message: ref, payload: '' };
  // The sandbox serves calendar views only; the product never pages a folder with other views.
  if (!view) return { message: errorMessage('ErrorInvalidOperation'), payload: '' };
  const denied = checkMailbox(op, ref.mailbox);
  if (denied) return { message: denied, payload: '' };
  if (ref.folder !== 'calendar')
    return { message: errorMessage('ErrorCalendarFolderIsInvalidForCalendarView'), payload: '' };
  const start = parseDate(view.attrs.StartDate);
  const end = parseDate(view.attrs.EndDate);
  if (!start || !end) return { message: errorMessage('ErrorInvalidRequest'), payload: '' };
  if (end < start)
    return { message: errorMessage('ErrorCalendarEndDateIsEarlierThanStartDate'), payload: '' };
  const all = calendarEntries(op.ctx.index, op.tenant, ref.mailbox, start, end);
  const max = Number(view.attrs.MaxEntriesReturned ?? all.length);
  const shown = all.slice(0, max);
  const payload = el(
    'm:RootFolder',
    { TotalItemsInView: shown.length, IncludesLastItemInRange: String(shown.length === all.length) },
    el('t:Items', {}, shown.map((e) => calendarItemXml(e, shape)).join('')),
  );
  return { message: SUCCESS, payload };
}

export function findItem(op: OperationContext, body: XmlElement): string {
  const shape = readShape(childOf(body, NS.messages, 'ItemShape'));
  const view = childOf(body, NS.messages, 'CalendarView');
  const ids = childOf(body, NS.messages, 'ParentFolderIds')?.children ?? [];
  const messages = ids.map((idElement) => {
    const { message, payload } = calendarViewResult(op, idElement, view, shape);
    return el(
      'm:FindItemResponseMessage',
      { ResponseClass: message.responseClass },
      responseMessageContent(message, payload),
    );
  });
  return operationResponse('FindItem', el('m:ResponseMessages', {}, messages.join('')));
}
