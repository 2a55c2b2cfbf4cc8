/**
 * `GET /users/{id}/calendar` (the default calendar) and `GET /users/{id}/calendarView` (events in
 * a window, `$select`, `$top`, paging through `@odata.nextLink`).
 */
import { createHash } from 'node:crypto';
import type { SandboxContext } from '../context';
import { calendarEntries } from '../calendar-data';
import { graphErrors } from './errors';
import { EVENT_PROPERTIES, eventJson } from './events';
import { authorizeCalendar, resolveMailbox } from './mailbox';
import {
  contextKey,
  pageOf,
  project,
  queryValue,
  readPage,
  readSelect,
  rejectUnsupportedOptions,
} from './odata';
import { ok, type GraphCaller, type GraphRequest, type GraphResponse } from './wire';

const CALENDAR_PROPERTIES = [
  'name',
  'color',
  'hexColor',
  'isDefaultCalendar',
  'changeKey',
  'canShare',
  'canViewPrivateItems',
  'canEdit',
  'allowedOnlineMeetingProviders',
  'defaultOnlineMeetingProvider',
  'isTallyingResponses',
  'isRemovable',
  'owner',
] as const;

/** Outlook's default and largest page sizes for events. */
const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;

export function getCalendar(
  ctx: SandboxContext,
  caller: GraphCaller,
  req: GraphRequest,
  user: string,
): GraphResponse {
  rejectUnsupportedOptions(req.query);
  const select = readSelect(req.query, CALENDAR_PROPERTIES, 'calendar');
  const target = resolveMailbox(ctx, caller, user);
  authorizeCalendar(ctx, caller, target, 'Calendars.Read');
  const hash = createHash('sha256').update(`calendar|${target.address}`).digest('base64url');
  const calendar = {
    id: `AAMkA${hash.slice(0, 40)}AAA=`.replace(/_/g, '-'),
    name: 'Calendar',
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: true,
    changeKey: hash.slice(40, 68),
    canShare: !target.isRoom,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: false,
    owner: { name: target.displayName, address: target.address },
  };
  const context = `${ctx.urls.graph}/v1.0/$metadata#users(${contextKey(user)})/calendar${select ? `(${select.join(',')})` : ''}/$entity`;
  return ok({ '@odata.context': context, ...project(calendar, select) });
}

function dateParameter(req: GraphRequest, name: string): Date {
  const raw = queryValue(req.query, name);
  if (raw === undefined || raw === '') throw graphErrors.timeWindowRequired();
  // A value without offset is UTC, as Graph reads calendarView bounds without a Prefer time zone.
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
  if (Number.isNaN(date.getTime())) throw graphErrors.invalidParameter(name, raw);
  return date;
}

export function getCalendarView(
  ctx: SandboxContext,
  caller: GraphCaller,
  req: GraphRequest,
  user: string,
): GraphResponse {
  rejectUnsupportedOptions(req.query);
  const select = readSelect(req.query, EVENT_PROPERTIES, 'event');
  const page = readPage(req.query, DEFAULT_PAGE, MAX_PAGE);
  const start = dateParameter(req, 'startDateTime');
  const end = dateParameter(req, 'endDateTime');
  if (end < start) throw graphErrors.endBeforeStart();
  const target = resolveMailbox(ctx, caller, user);
  authorizeCalendar(ctx, caller, target, 'Calendars.Read');
  const entries = calendarEntries(ctx.index, caller.tenant, target.address, start, end);
  const orderBy = (queryValue(req.query, '$orderby') ?? '').trim().toLowerCase();
  if (orderBy && !/^start\/datetime( asc| desc)?$/.test(orderBy)) {
    throw graphErrors.invalidQueryOption('$orderby', orderBy);
  }
  if (orderBy.endsWith(' desc')) entries.reverse();
  const { value, nextLink } = pageOf(entries, page, {
    origin: ctx.urls.graph,
    path: req.path,
    query: req.query,
  });
  const context = `${ctx.urls.graph}/v1.0/$metadata#users(${contextKey(user)})/calendarView${select ? `(${select.join(',')})` : ''}`;
  return ok({
    '@odata.context': context,
    value: value.map((entry) => project(eventJson(target, entry), select)),
    ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
  });
}
