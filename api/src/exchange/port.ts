/**
 * Mailbox access: what verification and health ask of an organisation's Exchange, whatever the
 * protocol (Microsoft Graph for Exchange Online, EWS for Exchange Server and as the legacy Exchange
 * Online option). A protocol adapter turns working credentials into a MailboxAccess; the one place
 * that decides which protocol, endpoint and credentials an integration gets is open-connection.ts.
 */

export type Protocol = 'graph' | 'ews';

/** Exchange Online through our app registration (admin consent, certificate). */
export interface ModernTarget {
  method: 'modern';
  tenantId: string;
  protocol: Protocol;
  /** The whole organisation, or room mailboxes only (RBAC for Applications, Graph only). */
  accessScope: 'organisation' | 'rooms';
  /** When admin consent was granted: a missing permission shortly after counts as "still applying". */
  consentedAt?: string;
}

/** Exchange Server through a service account holding ApplicationImpersonation. */
export interface BasicTarget {
  method: 'basic';
  tenantId: string;
  ewsUrl: string;
  serviceAccount: string;
  /** Key Vault secret identifier of the service account's password. */
  secretId: string;
}

/** What it takes to reach one organisation's mailboxes. */
export type ExchangeTarget = ModernTarget | BasicTarget;

export interface CalendarFolderInfo {
  displayName: string;
  /** Items in the calendar, when the protocol reports it cheaply. */
  totalCount?: number;
}

export interface RoomList {
  address: string;
  name: string;
}

export interface Room {
  address: string;
  name: string;
}

export interface TimeWindow {
  start: Date;
  end: Date;
}

/** Per call: when the caller gives up. */
export interface CallOptions {
  /**
   * A check's time-out or a verification's deadline: the request is aborted, its concurrency slot
   * freed at once, and the call rejects with the signal's reason.
   */
  abortSignal?: AbortSignal;
}

/** One organisation's mailboxes, opened with working credentials. */
export interface MailboxAccess {
  readonly protocol: Protocol;
  /** Opens `mailbox`'s calendar: the proof that the connection works for that mailbox. */
  openCalendar(mailbox: string, options?: CallOptions): Promise<CalendarFolderInfo>;
  listRoomLists(options?: CallOptions): Promise<RoomList[]>;
  listRooms(roomList: string, options?: CallOptions): Promise<Room[]>;
  /** Reads `mailbox`'s calendar over the window: how many items it holds. */
  countCalendarItems(mailbox: string, window: TimeWindow, options?: CallOptions): Promise<number>;
}

/** Working credentials for one target: an app-only token, or the service account's password. */
export type ConnectionCredentials =
  { kind: 'app-token'; accessToken: string } | { kind: 'password'; username: string; password: string };

/**
 * What a connection does when the service throttles: sleep through a short back-off and ask again
 * (verification), or report it at once as a throttled result (health: the back-off is the
 * scheduler's business and is never slept inside a timed check).
 */
export type ThrottlingMode = 'wait-briefly' | 'report';

export interface ConnectionRequest {
  tenantId: string;
  /** The service root (the EWS URL, or Graph's). */
  endpoint: string;
  credentials: ConnectionCredentials;
  /** The mailbox calls act as where the protocol needs one (EWS impersonation of room lookups). */
  actingAs: string;
  /** Default `wait-briefly`. */
  throttling?: ThrottlingMode;
}

/** A protocol adapter: EWS (ews-javascript-api) or Microsoft Graph. */
export interface MailboxProtocol {
  readonly protocol: Protocol;
  connect(request: ConnectionRequest): MailboxAccess;
}

export interface AutodiscoverClient {
  /** Finds the EWS URL for `emailAddress` with the service account's credentials. */
  discoverEwsUrl(emailAddress: string, credentials: { username: string; password: string }): Promise<string>;
}
