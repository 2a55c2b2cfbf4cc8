/**
 * The one adapter around ews-javascript-api. Each call gets its own ExchangeService (the SDK's
 * service object is stateful: credentials, impersonation, headers) on a shared keep-alive agent
 * that trusts the configured CA and times out; every SDK error is converted in `ews-errors.ts`.
 */
import https from 'node:https';
import { rootCertificates } from 'node:tls';
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
  ImpersonatedUserId,
  Mailbox,
  OAuthCredentials,
  PropertySet,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import type { CalendarFolderInfo, EwsConnection, ExchangeGateway, Room, RoomList } from './port';
import { classifyEwsError } from './ews-errors';
import { EwsTransport } from './ews-transport';
import { assertSafeEwsUrl, guardedLookup, systemResolver, type HostResolver } from './endpoint-policy';
import { hostMapFrom, mappedResolver, type HostMap } from './host-mapping';
import { FAIL_FAST, withThrottleRetry, type RetryPolicy } from './retry-policy';
import { TenantConcurrency } from './tenant-concurrency';

export const DEFAULT_EWS_REQUEST_TIMEOUT_MS = 30_000;

export interface EwsGatewayOptions {
  /** Our app's client id: named in remediation texts (EWS allow list, access policy). */
  appId: string;
  /** Extra trusted CA certificates (PEM), added to Node's defaults. */
  caPem?: string;
  /** Per request; the SDK's own transport has no timeout at all. */
  requestTimeoutMs?: number;
  dangerouslyAllowPrivateHosts?: boolean;
  /** How to react to ErrorServerBusy; fail fast by default. */
  retry?: RetryPolicy;
  /** Shared across gateways of one process so the per-tenant limit holds. */
  concurrency?: TenantConcurrency;
  resolveHost?: HostResolver;
  /** Development only: host name → `'<ip>:<port>'`; only the address is used, the port comes from the EWS URL. */
  dangerouslyResolveHosts?: Record<string, string>;
}

export class EwsGateway implements ExchangeGateway {
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly hostMap: HostMap;
  readonly concurrency: TenantConcurrency;

  constructor(private readonly options: EwsGatewayOptions) {
    this.hostMap = hostMapFrom(options.dangerouslyResolveHosts);
    this.agent = new https.Agent({
      keepAlive: true,
      lookup: guardedLookup(options.dangerouslyAllowPrivateHosts ?? false, this.hostMap),
      // Node's bundled public roots plus the configured CA, and nothing else: NODE_EXTRA_CA_CERTS
      // does not widen what EWS credentials are sent to.
      ca: options.caPem ? [...rootCertificates, options.caPem] : [...rootCertificates],
    });
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_EWS_REQUEST_TIMEOUT_MS;
    this.retry = options.retry ?? FAIL_FAST;
    this.concurrency = options.concurrency ?? new TenantConcurrency();
  }

  openCalendar(connection: EwsConnection, mailbox: string): Promise<CalendarFolderInfo> {
    return this.call(connection, mailbox, async (service) => {
      const folder = await Folder.Bind(
        service,
        WellKnownFolderName.Calendar,
        new PropertySet(BasePropertySet.FirstClassProperties),
      );
      return { displayName: folder.DisplayName, totalCount: folder.TotalCount };
    });
  }

  listRoomLists(connection: EwsConnection, actingAs: string): Promise<RoomList[]> {
    return this.call(connection, actingAs, async (service) => {
      const lists = await service.GetRoomLists();
      return lists.GetEnumerator().map((list) => ({ address: list.Address, name: list.Name }));
    });
  }

  listRooms(connection: EwsConnection, actingAs: string, roomList: string): Promise<Room[]> {
    return this.call(connection, actingAs, async (service) => {
      const rooms = await service.GetRooms(new EmailAddress(roomList));
      return rooms.map((room) => ({ address: room.Address, name: room.Name }));
    });
  }

  countCalendarItems(connection: EwsConnection, mailbox: string, start: Date, end: Date): Promise<number> {
    return this.call(connection, mailbox, async (service) => {
      const view = new CalendarView(new DateTime(start.getTime()), new DateTime(end.getTime()));
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
      const calendar = new FolderId(WellKnownFolderName.Calendar, new Mailbox(mailbox));
      const found = await service.FindAppointments(calendar, view);
      return found.TotalCount;
    });
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private async call<T>(
    connection: EwsConnection,
    mailbox: string,
    operation: (service: ExchangeService) => Promise<T>,
  ): Promise<T> {
    const remediation = {
      appId: this.options.appId,
      mailbox,
      ewsUrl: connection.ewsUrl,
      ...(connection.method === 'basic' ? { serviceAccount: connection.username } : {}),
    };
    // Credentials never leave before the endpoint passes the policy.
    await assertSafeEwsUrl(connection.ewsUrl, {
      dangerouslyAllowPrivateHosts: this.options.dangerouslyAllowPrivateHosts ?? false,
      resolve: mappedResolver(this.hostMap, this.options.resolveHost ?? systemResolver),
      remediation,
    });
    return withThrottleRetry(this.retry, () =>
      this.concurrency.run(connection.tenantId, async () => {
        const transport = new EwsTransport(this.agent, this.timeoutMs);
        try {
          return await operation(this.service(connection, mailbox, transport));
        } catch (error) {
          const transportCode = transport.lastNetworkErrorCode;
          throw classifyEwsError(error, {
            method: connection.method,
            remediation,
            ...(transportCode ? { transportCode } : {}),
          });
        }
      }),
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
    return service;
  }
}
