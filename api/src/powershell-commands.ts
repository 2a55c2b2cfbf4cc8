/**
 * The Exchange PowerShell an admin is asked to run, with our values filled in, and the EWS dates
 * that explain why. Pure and browser-safe: the tab shows the same commands as the remediation texts.
 * Every value is interpolated as a single-quoted literal (psQuote): nothing in it is expanded or
 * run, whatever an admin typed or a server sent.
 */
import { EWS_USER_AGENT_PATTERN } from './exchange/ews-user-agent';

/** EWS in Exchange Online: off by default for apps not on the allow list, then switched off. */
export const EWS_DEFAULT_OFF_DATE = '2026-10-01';
export const EWS_SHUTDOWN_DATE = '2027-04-01';

/**
 * Adds our app to the organisation's EWS allow list and turns EWS on. `-EwsAllowedAppIDs` takes
 * one comma-separated string that REPLACES the list (no `@{Add=…}`), so the command reads the list
 * (`-RetrieveEwsOperationAccessPolicy`), adds our id, and writes the whole list back.
 */
export function ewsAllowListCommand(appId: string): string {
  return (
    "$ids = @((Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }); " +
    `Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ((@($ids) + ${psQuote(appId)} | Sort-Object -Unique) -join ',')`
  );
}

/** EWS back on for one mailbox (`Set-CASMailbox -EwsEnabled $false` blocks it whatever the organisation says). */
export function casMailboxEwsCommand(mailbox: string): string {
  return `Set-CASMailbox -Identity ${psQuote(mailbox)} -EwsEnabled $true`;
}

/** Adds Exchange Connect's User-Agent to an EnforceAllowList user-agent policy, keeping the others. */
export function ewsUserAgentAllowListCommand(): string {
  return `Set-OrganizationConfig -EwsAllowList @{Add=${psQuote(EWS_USER_AGENT_PATTERN)}}`;
}

/** ApplicationImpersonation for the service account (Exchange Server): exactly -Name, -Role and -User. */
export function impersonationCommand(serviceAccount: string): string {
  return `New-ManagementRoleAssignment -Name ${psQuote('Exchange Connect impersonation')} -Role ${psQuote('ApplicationImpersonation')} -User ${psQuote(serviceAccount)}`;
}

/** A room list and a room in it: how rooms are found, by Places (Graph) and GetRooms (EWS) alike. */
export const ROOM_LIST_COMMANDS = [
  `New-DistributionGroup -Name ${psQuote('Meeting rooms')} -RoomList`,
  `Add-DistributionGroupMember -Identity ${psQuote('Meeting rooms')} -Member '<room mailbox>'`,
] as const;

/** A PowerShell single-quoted literal: nothing inside is expanded; a quote is doubled. */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days until EWS in Exchange Online is switched off; 0 or less once it is. */
export function daysUntilEwsEnds(now: Date): number {
  return Math.floor((Date.parse(`${EWS_SHUTDOWN_DATE}T00:00:00Z`) - now.getTime()) / DAY_MS);
}
