/**
 * Microsoft Graph as a mailbox protocol for Exchange Online: @microsoft/microsoft-graph-client with
 * its retry handler (Retry-After honoured for short waits; a longer one comes back to us as a
 * throttled result) on the outbound policy's bounded transport, at most 4 requests in flight per
 * mailbox (Outlook's documented limit), every answer parsed at the boundary and every error
 * converted once (graph-errors.ts).
 */
import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { OutboundPolicy } from '../outbound/policy';
import { classifyGraphError } from './graph-errors';
import { BoundedGraphHttpHandler } from './graph-http';
import { GRAPH_MAILBOX_CONCURRENCY, KeyedConcurrency } from './keyed-concurrency';
import { DEFAULT_MAX_INLINE_WAIT_MS } from './retry-policy';
import { parseRetryAfterMs } from './throttling';
import { requireMailboxAddresses } from './addresses';
import type {
  CallOptions,
  CalendarFolderInfo,
  ConnectionRequest,
  MailboxAccess,
  MailboxProtocol,
  Room,
  RoomList,
  TimeWindow,
} from './port';

export interface GraphProtocolOptions {
  appId: string;
  policy: OutboundPolicy;
  /** Shared by every connection of the process, so the per-mailbox limit holds across them. */
  concurrency?: KeyedConcurrency;
  /** A Retry-After up to this long is slept through inside the request; longer ones are reported. */
  maxInlineWaitMs?: number;
  maxRetries?: number;
  /** Pages read at most when counting a calendar's items. */
  maxPages?: number;
  /** Items asked for per page ($top). */
  pageSize?: number;
}

const calendarSchema = z.object({ name: z.string().optional() });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ value: z.array(item), '@odata.nextLink': z.string().optional() });
const placeSchema = z.object({ emailAddress: z.string().nullish(), displayName: z.string().nullish() });
const eventPage = pageOf(z.object({ id: z.string() }));
const placePage = pageOf(placeSchema);

class GraphMailboxAccess implements MailboxAccess {
  readonly protocol = 'graph';
  private readonly client: Client;

  constructor(
    private readonly request: ConnectionRequest,
    private readonly options: Required<Omit<GraphProtocolOptions, 'appId' | 'policy'>> & GraphProtocolOptions,
  ) {
    if (request.credentials.kind !== 'app-token')
      throw new Error('Microsoft Graph takes app-only tokens only.');
    const token = request.credentials.accessToken;
    // A health check never sleeps a back-off inside its timed check: it reports it at once.
    const maxRetries = request.throttling === 'report' ? 0 : options.maxRetries;
    const middleware: Middleware[] = [
      new AuthenticationHandler({ getAccessToken: async () => token }),
      new RetryHandler(
        new RetryHandlerOptions(1, maxRetries, (_delay, _attempt, _request, _options, response) => {
          const wait = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
          // Sleep only through short waits, for exactly what Graph asked; report longer ones.
          return wait === undefined || wait <= options.maxInlineWaitMs;
        }),
      ),
      new BoundedGraphHttpHandler(options.policy),
    ];
    const base = new URL(request.endpoint);
    this.client = Client.initWithMiddleware({
      middleware,
      baseUrl: base.origin,
      defaultVersion: 'v1.0',
      customHosts: new Set([base.hostname]),
    });
  }

  openCalendar(mailbox: string, options?: CallOptions): Promise<CalendarFolderInfo> {
    return this.call(mailbox, mailbox, options, async (signal) => {
      const calendar = calendarSchema.parse(
        await this.get(`${this.segment('/users', mailbox)}/calendar?$select=name`, signal),
      );
      return { displayName: calendar.name ?? 'Calendar' };
    });
  }

  listRoomLists(options?: CallOptions): Promise<RoomList[]> {
    return this.call('places', this.request.actingAs, options, async (signal) =>
      this.places(await this.pages('/places/microsoft.graph.roomlist', placePage, signal)),
    );
  }

  listRooms(roomList: string, options?: CallOptions): Promise<Room[]> {
    return this.call('places', roomList, options, async (signal) =>
      this.places(
        await this.pages(
          `${this.segment('/places', roomList)}/microsoft.graph.roomlist/rooms`,
          placePage,
          signal,
        ),
      ),
    );
  }

  countCalendarItems(mailbox: string, window: TimeWindow, options?: CallOptions): Promise<number> {
    return this.call(mailbox, mailbox, options, async (signal) => {
      const query = new URLSearchParams({
        startDateTime: window.start.toISOString(),
        endDateTime: window.end.toISOString(),
        $select: 'id',
        $top: String(this.options.pageSize),
      });
      const events = await this.pages(
        `${this.segment('/users', mailbox)}/calendarView?${query}`,
        eventPage,
        signal,
      );
      return events.length;
    });
  }

  /** `/users/{address}` or `/places/{address}`: only a plain mailbox address becomes a path segment. */
  private segment(collection: '/users' | '/places', address: string): string {
    requireMailboxAddresses([address], { appId: this.options.appId, mailbox: address, service: 'graph' });
    return `${collection}/${encodeURIComponent(address)}`;
  }

  /** One GET; the caller's signal reaches the bounded request (graph-http.ts) through the fetch options. */
  private get(path: string, signal: AbortSignal | undefined): Promise<unknown> {
    const request = this.client.api(path);
    if (signal) request.option('signal', signal);
    return request.get() as Promise<unknown>;
  }

  /** Every page of a collection, following @odata.nextLink, at most `maxPages`. */
  private async pages<T>(
    path: string,
    schema: z.ZodType<{ value: T[]; '@odata.nextLink'?: string | undefined }>,
    signal: AbortSignal | undefined,
  ): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < this.options.maxPages; page++) {
      const body = schema.parse(await this.get(next, signal));
      items.push(...body.value);
      next = body['@odata.nextLink'];
    }
    return items;
  }

  private places(found: z.infer<typeof placeSchema>[]): Room[] {
    return found.flatMap((p) =>
      p.emailAddress
        ? [{ address: p.emailAddress.toLowerCase(), name: p.displayName ?? p.emailAddress }]
        : [],
    );
  }

  /** One mailbox's requests share its 4 slots; every failure is converted here, once. */
  private async call<T>(
    slot: string,
    mailbox: string,
    options: CallOptions | undefined,
    work: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const signal = options?.abortSignal;
    try {
      return await this.options.concurrency.run(
        `${this.request.tenantId}|${slot}`,
        () => work(signal),
        signal,
      );
    } catch (error) {
      // The caller gave up: its own reason, not a Graph failure.
      if (signal?.aborted && error === signal.reason) throw error;
      throw classifyGraphError(error, { appId: this.options.appId, mailbox });
    }
  }
}

export function graphProtocol(options: GraphProtocolOptions): MailboxProtocol {
  const settings = {
    concurrency: new KeyedConcurrency(GRAPH_MAILBOX_CONCURRENCY),
    maxInlineWaitMs: DEFAULT_MAX_INLINE_WAIT_MS,
    maxRetries: 2,
    maxPages: 10,
    pageSize: 100,
    ...options,
  };
  return {
    protocol: 'graph',
    connect: (request) => new GraphMailboxAccess(request, settings),
  };
}
