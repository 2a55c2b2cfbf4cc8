/**
 * The Exchange PowerShell an admin is asked to run, with our values filled in, and the EWS dates
 * that explain why. Pure and browser-safe: the tab shows the same commands as the remediation texts.
 */

/** EWS in Exchange Online: off by default for apps not on the allow list, then switched off. */
export const EWS_DEFAULT_OFF_DATE = '2026-10-01';
export const EWS_SHUTDOWN_DATE = '2027-04-01';

export function ewsAllowListCommand(appId: string): string {
  return `Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs @{Add="${appId}"}`;
}

export function impersonationCommand(serviceAccount: string): string {
  return `New-ManagementRoleAssignment -Name "Exchange Connect impersonation" -Role ApplicationImpersonation -User "${serviceAccount}"`;
}

/** A PowerShell single-quoted literal: nothing inside is expanded; a quote is doubled. */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days until EWS in Exchange Online is switched off; 0 or less once it is. */
export function daysUntilEwsEnds(now: Date): number {
  return Math.floor((Date.parse(`${EWS_SHUTDOWN_DATE}T00:00:00Z`) - now.getTime()) / DAY_MS);
}
