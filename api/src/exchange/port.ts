/** What the use cases need from Exchange Web Services, independent of ews-javascript-api. */

/** How to reach one organisation's EWS: app-only (Exchange Online) or a service account (Exchange Server). */
export type EwsConnection =
  | { method: 'modern'; tenantId: string; ewsUrl: string; accessToken: string }
  | { method: 'basic'; tenantId: string; ewsUrl: string; username: string; password: string };

export interface CalendarFolderInfo {
  displayName: string;
  totalCount: number;
}

export interface RoomList {
  address: string;
  name: string;
}

export interface Room {
  address: string;
  name: string;
}

export interface ExchangeGateway {
  /** Opens `mailbox`'s calendar acting as that mailbox (impersonation + X-AnchorMailbox). */
  openCalendar(connection: EwsConnection, mailbox: string): Promise<CalendarFolderInfo>;
  listRoomLists(connection: EwsConnection, actingAs: string): Promise<RoomList[]>;
  listRooms(connection: EwsConnection, actingAs: string, roomList: string): Promise<Room[]>;
  /** Counts calendar items of `mailbox` between start and end (FindItem with CalendarView). */
  countCalendarItems(connection: EwsConnection, mailbox: string, start: Date, end: Date): Promise<number>;
}

export interface AutodiscoverClient {
  /** Finds the EWS URL for `emailAddress` with the service account's credentials. */
  discoverEwsUrl(emailAddress: string, credentials: { username: string; password: string }): Promise<string>;
}
