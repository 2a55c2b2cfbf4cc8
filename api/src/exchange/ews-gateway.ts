/**
 * The one adapter around ews-javascript-api. Each call gets its own ExchangeService (the SDK's
 * service object is stateful: credentials, impersonation, headers) on the outbound policy's
 * customer-endpoint agent, every request bounded in size and time; every SDK error is converted in
 * `ews-errors.ts`.
 */
import {
  BasePropertySet,
  CalendarView,
  ConnectingIdType,
  DateTime,
  EmailAddress,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  FolderSchema,
  ImpersonatedUserId,
  Mailbox,
  OAuthCredentials,
  PropertySet,
  type IOutParam,
  type PropertyDefinition,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import type {
  CallOptions,
  CalendarFolderInfo,
  MailboxAccess,
  MailboxProtocol,
  Room,
  RoomList,
  ThrottlingMode,
  TimeWindow,
} from './port';
import { classifyEwsError } from './ews-errors';
import { EwsTransport, type EwsHttpRequest } from './ews-transport';
import { boundedRequest } from '../outbound/bounded-request';
import type { OutboundPolicy } from '../outbound/policy';
import { FAIL_FAST, withThrottleRetry, type RetryPolicy } from './retry-policy';
import { KeyedConcurrency } from './keyed-concurrency';
import { EWS_USER_AGENT } from './ews-user-agent';
import { requireMailboxAddresses } from './addresses';

/** How to reach one organisation's EWS: app-only (Exchange Online) or a service account (Exchange Server). */
export type EwsConnection = (
  | { method: 'modern'; tenantId: string; ewsUrl: string; accessToken: string }
  | { method: 'basic'; tenantId: string; ewsUrl: string; username: string; password: string }
) & {
  /** Health reports throttling at once; verification may sleep through a short back-off. */
  throttling?: ThrottlingMode;
};

/** The EWS operations Exchange Connect sends, each acting as a mailbox (impersonation + X-AnchorMailbox). */
export interface ExchangeGateway {
  openCalendar(
    connection: EwsConnection,
    mailbox: string,
    options?: CallOptions,
  ): Promise<CalendarFolderInfo>;
  listRoomLists(connection: EwsConnection, actingAs: string, options?: CallOptions): Promise<RoomList[]>;
  listRooms(
    connection: EwsConnection,
    actingAs: string,
    roomList: string,
    options?: CallOptions,
  ): Promise<Room[]>;
  /** Counts calendar items of `mailbox` between start and end (FindItem with CalendarView). */
  countCalendarItems(
    connection: EwsConnection,
    mailbox: string,
    start: Date,
    end: Date,
    options?: CallOptions,
  ): Promise<number>;
}

export interface EwsGatewayOptions {
  /** Our app's client id: named in remediation texts (EWS allow list, access policy). */
  appId: string;
  /** TLS trust, where credentials may go, and each request's size cap and deadline. */
  policy: OutboundPolicy;
  /** How to react to ErrorServerBusy when a connection may wait; fail fast by default. */
  retry?: RetryPolicy;
  /** Shared across gateways of one process so the per-tenant limit holds. */
  concurrency?: KeyedConcurrency;
}

export class EwsGateway implements ExchangeGateway {
  private readonly retry: RetryPolicy;
  readonly concurrency: KeyedConcurrency;

  constructor(private readonly options: EwsGatewayOptions) {
    this.retry = options.retry ?? FAIL_FAST;
    this.concurrency = options.concurrency ?? new KeyedConcurrency();
  }

  openCalendar(
    connection: EwsConnection,
    mailbox: string,
    options?: CallOptions,
  ): Promise<CalendarFolderInfo> {
    return this.call(connection, mailbox, options, async (service) => {
      const folder = await Folder.Bind(
        service,
        WellKnownFolderName.Calendar,
        new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName, FolderSchema.TotalCount]),
      );
      // Both are optional in the schema: a reply without them still proves the calendar opened
      // (reading a missing property through its getter throws in the SDK).
      const displayName = optionalProperty<string>(folder, FolderSchema.DisplayName);
      const totalCount = optionalProperty<number>(folder, FolderSchema.TotalCount);
      return {
        displayName: typeof displayName === 'string' && displayName ? displayName : 'Calendar',
        ...(typeof totalCount === 'number' ? { totalCount } : {}),
      };
    });
  }

  listRoomLists(connection: EwsConnection, actingAs: string, options?: CallOptions): Promise<RoomList[]> {
    return this.call(connection, actingAs, options, async (service) => {
      const lists = await service.GetRoomLists();
      return lists.GetEnumerator().map((list) => ({ address: list.Address, name: list.Name }));
    });
  }

  listRooms(
    connection: EwsConnection,
    actingAs: string,
    roomList: string,
    options?: CallOptions,
  ): Promise<Room[]> {
    return this.call(connection, actingAs, options, async (service) => {
      requireMailboxAddresses([roomList], { appId: this.options.appId, mailbox: actingAs });
      const rooms = await service.GetRooms(new EmailAddress(roomList));
      return rooms.map((room) => ({ address: room.Address, name: room.Name }));
    });
  }

  countCalendarItems(
    connection: EwsConnection,
    mailbox: string,
    start: Date,
    end: Date,
    options?: CallOptions,
  ): Promise<number> {
    return this.call(connection, mailbox, options, async (service) => {
      const view = new CalendarView(new DateTime(start.getTime()), new DateTime(end.getTime()));
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
      const calendar = new FolderId(WellKnownFolderName.Calendar, new Mailbox(mailbox));
      const found = await service.FindAppointments(calendar, view);
      return found.TotalCount;
    });
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.options.policy.close();
  }

  private send(request: EwsHttpRequest, signal: AbortSignal | undefined) {
    const { policy } = this.options;
    const connectPort = policy.connectPort(request.url);
    return boundedRequest({
      ...request,
      ...(signal ? { signal } : {}),
      agent: policy.customerEndpointAgent(),
      limits: policy.limits('ews'),
      // Every operation of this gateway is a read (GetFolder, FindItem, GetRoomLists, GetRooms):
      // safe to send again when a dropped keep-alive socket resets it.
      idempotent: true,
      ...(connectPort ? { connectPort } : {}),
    });
  }

  private async call<T>(
    connection: EwsConnection,
    mailbox: string,
    options: CallOptions | undefined,
    operation: (service: ExchangeService) => Promise<T>,
  ): Promise<T> {
    const signal = options?.abortSignal;
    const remediation = {
      appId: this.options.appId,
      mailbox,
      ewsUrl: connection.ewsUrl,
      ...(connection.method === 'basic' ? { serviceAccount: connection.username } : {}),
    };
    // The SDK writes addresses into SOAP unescaped and into X-AnchorMailbox: plain ones only.
    requireMailboxAddresses([mailbox], remediation);
    // Credentials never leave before the endpoint passes the policy.
    await this.options.policy.assertCredentialsMayGoTo(connection.ewsUrl, remediation);
    const retry = connection.throttling === 'report' ? FAIL_FAST : this.retry;
    return withThrottleRetry(
      retry,
      () =>
        this.concurrency.run(
          connection.tenantId,
          async () => {
            const transport = new EwsTransport((request) => this.send(request, signal));
            try {
              return await operation(this.service(connection, mailbox, transport));
            } catch (error) {
              const transportCode = transport.lastNetworkErrorCode;
              const response = transport.lastResponse;
              throw classifyEwsError(error, {
                method: connection.method,
                remediation,
                ...(transportCode ? { transportCode } : {}),
                ...(response ? { response } : {}),
              });
            }
          },
          signal,
        ),
      signal,
    );
  }

  private service(connection: EwsConnection, mailbox: string, transport: EwsTransport): ExchangeService {
    // Exchange Online's documented app-only samples use Exchange2013_SP1; Exchange Server 2016 is our floor on-premises.
    const service = new ExchangeService(
      connection.method === 'modern' ? ExchangeVersion.Exchange2013_SP1 : ExchangeVersion.Exchange2016,
    );
    service.Url = new Uri(connection.ewsUrl);
    service.XHRApi = transport;
    service.Credentials =
      connection.method === 'modern'
        ? new OAuthCredentials(connection.accessToken)
        : new WebCredentials(connection.username, connection.password);
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
    // Routes the request to the mailbox's server in Exchange Online (required with impersonation).
    service.HttpHeaders.Add('X-AnchorMailbox', mailbox);
    // What Exchange Online's user-agent policies match (the SDK itself sends none).
    service.HttpHeaders.Add('User-Agent', EWS_USER_AGENT);
    return service;
  }
}

/** A property the answer may leave out: its value, or undefined (never the SDK's exception). */
function optionalProperty<T>(folder: Folder, property: PropertyDefinition): T | undefined {
  const out: IOutParam<T | undefined> = { outValue: undefined };
  return folder.TryGetProperty(property, out) ? out.outValue : undefined;
}

/** EWS as a mailbox protocol: the connection's credentials decide app-only or service account. */
export function ewsProtocol(gateway: ExchangeGateway): MailboxProtocol {
  return {
    protocol: 'ews',
    connect: ({ tenantId, endpoint, credentials, actingAs, throttling }): MailboxAccess => {
      const connection: EwsConnection = {
        ...(credentials.kind === 'app-token'
          ? { method: 'modern', tenantId, ewsUrl: endpoint, accessToken: credentials.accessToken }
          : {
              method: 'basic',
              tenantId,
              ewsUrl: endpoint,
              username: credentials.username,
              password: credentials.password,
            }),
        ...(throttling ? { throttling } : {}),
      };
      return {
        protocol: 'ews',
        openCalendar: (mailbox, options) => gateway.openCalendar(connection, mailbox, options),
        listRoomLists: (options) => gateway.listRoomLists(connection, actingAs, options),
        listRooms: (roomList, options) => gateway.listRooms(connection, actingAs, roomList, options),
        countCalendarItems: (mailbox, window: TimeWindow, options) =>
          gateway.countCalendarItems(connection, mailbox, window.start, window.end, options),
      };
    },
  };
}
