/**
 * "Limit Exchange Connect to room mailboxes": the Exchange Online PowerShell for RBAC for
 * Applications, with the customer's own values filled in. Pure and browser-safe, like
 * powershell-commands.ts: the tab shows exactly these lines, and every value is a quoted literal.
 */
import { psQuote } from './powershell-commands';

/** The management scope we ask for: room mailboxes, nothing else. */
export const ROOM_SCOPE_NAME = 'Exchange Connect rooms';
export const ROOM_SCOPE_FILTER = "RecipientTypeDetails -eq 'RoomMailbox'";
/** The Exchange application role that replaces the tenant-wide Calendars.ReadWrite grant. */
export const ROOM_SCOPE_ROLE = 'Application Calendars.ReadWrite';
/** Microsoft: RBAC for Applications changes can take 30 minutes to 2 hours to apply. */
export const ROOM_SCOPE_APPLY_HOURS = 2;

export interface RoomScopeValues {
  /** Our app registration's client id. */
  appId: string;
  /** Our service principal's object id in the customer's tenant (Entra: Enterprise applications). */
  servicePrincipalId: string;
  /** A room mailbox to test the assignment with. */
  room: string;
}

export interface RoomScopeCommands {
  servicePrincipal: string;
  scope: string;
  assignment: string;
  test: string;
}

export function roomScopeCommands(values: RoomScopeValues): RoomScopeCommands {
  const app = psQuote(values.appId);
  return {
    servicePrincipal: `New-ServicePrincipal -AppId ${app} -ObjectId ${psQuote(values.servicePrincipalId)} -DisplayName ${psQuote('Exchange Connect')}`,
    scope: `New-ManagementScope -Name ${psQuote(ROOM_SCOPE_NAME)} -RecipientRestrictionFilter ${psQuote(ROOM_SCOPE_FILTER)}`,
    assignment: `New-ManagementRoleAssignment -App ${app} -Role ${psQuote(ROOM_SCOPE_ROLE)} -CustomResourceScope ${psQuote(ROOM_SCOPE_NAME)}`,
    test: `Test-ServicePrincipalAuthorization -Identity ${app} -Resource ${psQuote(values.room)}`,
  };
}
