/**
 * The application permissions Exchange Connect needs, per protocol, and what a token must carry.
 * Requested through `{resource}/.default`, so the app registration (aad.manifest.json) is the list
 * an admin consents to.
 */
import type { AccessScope, ModernProtocol } from '../store/types';

/** EWS in Exchange Online (legacy until 2027-04-01): full access to every mailbox. */
export const FULL_ACCESS_AS_APP = 'full_access_as_app';

/** Microsoft Graph, the least the platform needs. */
export const GRAPH_PERMISSIONS = {
  /** Read and book room calendars for the platform; verification reads a calendar. */
  calendars: 'Calendars.ReadWrite',
  /** Room lists and rooms (Places). An Entra permission, not covered by RBAC for Applications. */
  places: 'Place.Read.All',
} as const;

/**
 * The roles a token must carry. Limited to room mailboxes (RBAC for Applications), the calendar
 * permission comes from Exchange's role assignment, not the token: the tenant-wide grant is gone.
 */
export function requiredRoles(
  protocol: ModernProtocol,
  scope: AccessScope = 'organisation',
): readonly string[] {
  if (protocol === 'ews') return [FULL_ACCESS_AS_APP];
  return scope === 'rooms'
    ? [GRAPH_PERMISSIONS.places]
    : [GRAPH_PERMISSIONS.calendars, GRAPH_PERMISSIONS.places];
}
