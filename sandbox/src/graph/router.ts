/**
 * One Graph request, direct or inside a `$batch`, from route to response: the route table, the
 * Outlook concurrency gate per app and mailbox, injected faults (service `graph`, per operation),
 * the handler, and Graph's error body for whatever went wrong. Every request is recorded.
 */
import type { SandboxContext } from '../context';
import { getCalendar, getCalendarView } from './calendar';
import { CONCURRENCY_RETRY_AFTER_SECONDS, concurrencyKey } from './concurrency';
import { GraphError, graphErrorBody, graphErrors, type GraphTrace } from './errors';
import { listRoomListRooms, listRoomLists, listRooms } from './places';
import { decodeSegment } from './odata';
import { graphState } from './recorder';
import { getSchedule } from './schedule';
import { runBatch } from './batch';
import { JSON_CONTENT_TYPE, type GraphCaller, type GraphRequest, type GraphResponse } from './wire';

export type GraphOperation = 'calendar' | 'calendarView' | 'getSchedule' | 'places' | 'batch';

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  operation: GraphOperation;
  /** The capture that names a mailbox (`/users/{id}`), for the concurrency limit. */
  mailbox: boolean;
  handle(
    ctx: SandboxContext,
    caller: GraphCaller,
    req: GraphRequest,
    param: string,
    trace: GraphTrace,
  ): GraphResponse | Promise<GraphResponse>;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/\$batch\/?$/i,
    operation: 'batch',
    mailbox: false,
    handle: (ctx, caller, req, _param, trace) => runBatch(ctx, caller, req, trace),
  },
  {
    method: 'GET',
    pattern: /^\/users\/([^/]+)\/calendar\/?$/i,
    operation: 'calendar',
    mailbox: true,
    handle: getCalendar,
  },
  {
    method: 'GET',
    pattern: /^\/users\/([^/]+)\/(?:calendar\/)?calendarview\/?$/i,
    operation: 'calendarView',
    mailbox: true,
    handle: getCalendarView,
  },
  {
    method: 'POST',
    pattern: /^\/users\/([^/]+)\/calendar\/(?:microsoft\.graph\.)?getschedule\/?$/i,
    operation: 'getSchedule',
    mailbox: true,
    handle: getSchedule,
  },
  {
    method: 'GET',
    pattern: /^\/places\/microsoft\.graph\.roomlist\/?$/i,
    operation: 'places',
    mailbox: false,
    handle: (ctx, caller, req) => listRoomLists(ctx, caller, req),
  },
  {
    method: 'GET',
    pattern: /^\/places\/([^/]+)\/microsoft\.graph\.roomlist\/rooms\/?$/i,
    operation: 'places',
    mailbox: false,
    handle: listRoomListRooms,
  },
  {
    method: 'GET',
    pattern: /^\/places\/microsoft\.graph\.room\/?$/i,
    operation: 'places',
    mailbox: false,
    handle: (ctx, caller, req) => listRooms(ctx, caller, req),
  },
];

/** The route a request names, or Graph's answer for an unknown segment or a wrong method. */
export function matchRoute(req: GraphRequest): { route: Route; param: string } {
  const candidates = ROUTES.map((route) => ({ route, match: route.pattern.exec(req.path) })).filter(
    (c) => c.match,
  );
  const hit = candidates.find((c) => c.route.method === req.method.toUpperCase());
  if (hit) return { route: hit.route, param: hit.match![1] ?? '' };
  if (candidates.length > 0) throw graphErrors.methodNotAllowed();
  const known = ['users', 'places', '$batch'];
  const segments = req.path.split('/').filter(Boolean);
  const unknown = known.includes((segments[0] ?? '').toLowerCase())
    ? segments[segments.length - 1]
    : segments[0];
  throw graphErrors.segmentNotFound(decodeSegment(unknown ?? ''));
}

export function errorResponse(error: GraphError, trace: GraphTrace): GraphResponse {
  return {
    status: error.status,
    headers: { 'Content-Type': 'application/json', ...error.headers },
    body: graphErrorBody(error, trace),
  };
}

/** The mailbox key a `/users/{id}` segment stands for: its address when the tenant has it (UPN and id share one). */
function mailboxKey(ctx: SandboxContext, caller: GraphCaller, segment: string): string {
  const key = decodeSegment(segment);
  const user = ctx.index.user(key);
  if (user?.tenant.id === caller.tenant.id) return user.user.upn;
  const room = ctx.index.room(key);
  return room?.tenant.id === caller.tenant.id ? room.room.address : key.toLowerCase();
}

/** Answers one request; never throws. `caller` is the token check's outcome (an error answers 401). */
export async function dispatch(
  ctx: SandboxContext,
  caller: GraphCaller | GraphError,
  req: GraphRequest,
  trace: GraphTrace,
): Promise<GraphResponse> {
  const { traffic, concurrency } = graphState(ctx);
  let matched: { route: Route; param: string } | undefined;
  let routeError: GraphError | undefined;
  try {
    matched = matchRoute(req);
  } catch (error) {
    routeError = error instanceof GraphError ? error : graphErrors.serverError(500);
  }
  const authenticated = caller instanceof GraphError ? undefined : caller;
  const mailbox =
    authenticated && matched?.route.mailbox ? mailboxKey(ctx, authenticated, matched.param) : undefined;
  const query = req.query.toString();
  const entry = traffic.arrive({
    method: req.method.toUpperCase(),
    url: `${req.path}${query ? `?${query}` : ''}`,
    operation: matched?.route.operation ?? 'unknown',
    ...(authenticated ? { tenantId: authenticated.tenant.id, appId: authenticated.appId } : {}),
    ...(mailbox ? { mailbox } : {}),
    ...(req.batch ? { batch: req.batch } : {}),
    requestId: trace.requestId,
    clientRequestId: trace.clientRequestId,
  });
  const finish = (response: GraphResponse): GraphResponse => {
    entry.status = response.status;
    const body = response.body as { error?: { code?: string } } | undefined;
    if (body?.error?.code) entry.errorCode = body.error.code;
    return response;
  };

  if (caller instanceof GraphError) return finish(errorResponse(caller, trace));
  if (!matched) return finish(errorResponse(routeError ?? graphErrors.serverError(500), trace));

  const slot = mailbox ? concurrencyKey(caller.tenant.id, caller.appId, mailbox) : undefined;
  if (slot) {
    const inFlight = concurrency.tryEnter(slot);
    entry.inFlight = inFlight ?? 0;
    if (inFlight === undefined) {
      return finish(errorResponse(graphErrors.mailboxConcurrency(CONCURRENCY_RETRY_AFTER_SECONDS), trace));
    }
  }
  try {
    const injected = ctx.faults.take('graph', matched.route.operation);
    await ctx.faults.delay(injected.latencyMs);
    switch (injected.failure?.kind) {
      case 'throttle':
        throw graphErrors.throttled(Math.max(1, Math.ceil(injected.failure.ms / 1000)));
      case 'http5xx':
        throw graphErrors.serverError(injected.failure.status);
      case 'timeout':
        return finish({ status: 0, headers: {}, hang: true });
      case 'malformed':
        return finish({
          status: 200,
          headers: { 'Content-Type': JSON_CONTENT_TYPE },
          raw: '{"value":[{"id":"',
        });
      default:
        break;
    }
    return finish(await matched.route.handle(ctx, caller, req, matched.param, trace));
  } catch (error) {
    if (!(error instanceof GraphError)) console.error('Sandbox Graph handler failed:', error);
    return finish(errorResponse(error instanceof GraphError ? error : graphErrors.serverError(500), trace));
  } finally {
    if (slot) concurrency.leave(slot);
  }
}
