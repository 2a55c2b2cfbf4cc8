/**
 * What an admin can do about each kind of failure, with the exact commands. Adapters call this
 * when they convert an SDK error, so every surface (tab, CLI, bot) gives the same advice.
 */
import type { ErrorKind } from './errors';
import {
  EWS_DEFAULT_OFF_DATE,
  EWS_SHUTDOWN_DATE,
  casMailboxEwsCommand,
  ewsAllowListCommand,
  ewsUserAgentAllowListCommand,
  impersonationCommand,
  psQuote,
} from './powershell-commands';
import { EWS_USER_AGENT } from './exchange/ews-user-agent';
import { ROOM_SCOPE_APPLY_HOURS } from './room-scope-commands';

export { EWS_DEFAULT_OFF_DATE, EWS_SHUTDOWN_DATE, ewsAllowListCommand, impersonationCommand };

/** Which Microsoft service failed: transport failures (throttled, unreachable…) advise differently. */
export type FailingService = 'exchange' | 'graph' | 'entra' | 'keyvault';

export interface RemediationContext {
  /** Our app registration's client id, as admins see it in Entra. */
  appId: string;
  /** Default `exchange`: the customer's side. Entra ID and Key Vault failures are for our operators. */
  service?: FailingService;
  mailbox?: string;
  serviceAccount?: string;
  ewsUrl?: string;
  retryAfterMs?: number;
  /** Why Exchange Online refused EWS (X-EWS-Policy-Reason): switched off, or a policy refuses us. */
  ewsBlock?: 'disabled' | 'policy';
  /** When admin consent was granted, if it was: a role still missing long after is worth checking. */
  consentedAt?: string;
  /** Proving a room-only scope (RBAC for Applications): a refused room means it is not applied. */
  roomScope?: boolean;
}

const seconds = (ms: number | undefined) => Math.max(1, Math.ceil((ms ?? 0) / 1000));

/**
 * A blocked EWS request, by what X-EWS-Policy-Reason says: EWS switched off (for the organisation
 * or the mailbox: the header does not say which, so both checks), or an application policy (the app
 * allow list or a user-agent policy: again both). Without the header, every fix.
 */
function ewsBlockedRemediation(ctx: RemediationContext): string {
  const mailbox = ctx.mailbox ?? 'the mailbox';
  const allowList = ewsAllowListCommand(ctx.appId);
  const casMailbox = casMailboxEwsCommand(ctx.mailbox ?? '<mailbox>');
  const ending = `changes can take up to 24 hours. EWS in Exchange Online is switched off for good on ${EWS_SHUTDOWN_DATE}; moving this connection to Microsoft Graph avoids all of this.`;
  const disabled =
    `EWS is switched off for your organisation or for the mailbox ${mailbox} (since ${EWS_DEFAULT_OFF_DATE} Exchange Online turns it off unless the organisation turns it on). ` +
    `In Exchange Online PowerShell, see which: Get-OrganizationConfig | Format-List EwsEnabled; Get-CASMailbox -Identity ${psQuote(ctx.mailbox ?? '<mailbox>')} | Format-List EwsEnabled  — ` +
    `if the organisation's EwsEnabled is False or empty, run (it keeps the apps already on the EWS allow list and adds Exchange Connect): ${allowList}  — ` +
    `if the mailbox's EwsEnabled is False, run: ${casMailbox}  — `;
  const policy =
    "Your organisation's EWS policy refuses Exchange Connect: it is not on the EWS allow list of apps (EwsAllowedAppIDs), or a user-agent policy (EwsApplicationAccessPolicy) refuses it. " +
    `In Exchange Online PowerShell add Exchange Connect to the allow list, keeping the apps already on it: ${allowList}  — ` +
    `if Get-OrganizationConfig | Format-List EwsApplicationAccessPolicy,EwsAllowList,EwsBlockList shows EnforceAllowList, also run: ${ewsUserAgentAllowListCommand()}; with EnforceBlockList, remove the entry that matches ${EWS_USER_AGENT} from EwsBlockList  — `;
  switch (ctx.ewsBlock) {
    case 'disabled':
      return disabled + ending;
    case 'policy':
      return policy + ending;
    case undefined:
      return `Exchange Online refused Exchange Web Services to Exchange Connect (HTTP 403) without saying why. ${disabled}${policy}${ending}`;
  }
}

/** Entra ID and Key Vault are reached by us, not by the customer: their outages are ours to fix. */
function operatorTransportRemediation(kind: ErrorKind, ctx: RemediationContext): string | undefined {
  const name = ctx.service === 'entra' ? 'Microsoft Entra ID' : 'Azure Key Vault';
  const what =
    ctx.service === 'entra'
      ? 'where Exchange Connect gets its tokens'
      : 'where Exchange Connect keeps the service account password';
  switch (kind) {
    case 'throttled':
      return `${name} asked us to wait ${seconds(ctx.retryAfterMs)} s (throttling). Try again in a moment; if this persists, the operators must check the request volume.`;
    case 'unreachable':
    case 'timeout':
      return `${name}, ${what}, is not answering. Try again in a few minutes; if this persists, the operators must check the service and the network path to it.`;
    case 'untrusted_certificate':
      return `Exchange Connect does not trust the TLS certificate of ${name}. This is on our side: the operators must check the configured URL and the trusted certification authorities.`;
    default:
      return undefined;
  }
}

export function remediationFor(kind: ErrorKind, ctx: RemediationContext): string {
  if (ctx.service === 'entra' || ctx.service === 'keyvault') {
    const text = operatorTransportRemediation(kind, ctx);
    if (text) return text;
  }
  const mailbox = ctx.mailbox ?? 'the mailbox';
  const account = ctx.serviceAccount ?? 'the service account';
  switch (kind) {
    case 'tenant_not_found':
      return 'Entra ID does not know this tenant. Check the tenant id or domain, then sign in to Teams with an account of that organisation.';
    case 'consent_missing':
      return ctx.consentedAt
        ? `Admin consent was granted on ${ctx.consentedAt.slice(0, 16).replace('T', ' ')} UTC, but Microsoft 365 still issues Exchange Connect's tokens without the permission. In the Microsoft Entra admin center, open Enterprise applications → Exchange Connect → Permissions and check that the application permissions are listed as granted for your organisation (and that the application is enabled for sign-in). If they are missing, a Global Administrator grants admin consent again from the Exchange Connect tab: Connect → Exchange Online → Grant admin consent.`
        : 'Exchange Connect has no admin consent in your organisation (never granted, or revoked). A Global Administrator grants it again from the Exchange Connect tab: Connect → Exchange Online → Grant admin consent.';
    case 'consent_pending':
      return 'Admin consent was granted, but Microsoft 365 has not applied it yet; this usually takes a few minutes. Exchange Connect keeps checking by itself.';
    case 'consent_declined':
      return 'The consent dialog was cancelled, so nothing was granted. Choose "Grant admin consent" again and select Accept to connect Exchange Online.';
    case 'not_global_admin':
      return 'Only a Global Administrator of your organisation can grant admin consent or change the Exchange connection. Ask one to open Exchange Connect in Teams.';
    case 'wrong_directory':
      return 'The account used in the consent dialog belongs to another organisation. Sign in with a Global Administrator of the organisation you are connecting.';
    case 'certificate_not_registered':
      return 'Entra ID does not accept the certificate Exchange Connect signs in with (it is not registered on the app registration). This is on our side: the operators must upload the current certificate to the app registration (Certificates & secrets) or point the app at the registered one.';
    case 'certificate_expired':
      return "Exchange Connect's certificate has expired. The operators must register a renewed certificate on the app registration and deploy it; no action is needed in your tenant.";
    case 'app_disabled':
      return 'Exchange Connect is disabled in your organisation. In the Entra admin center open Enterprise applications → Exchange Connect → Properties, set "Enabled for users to sign-in?" to Yes, and save.';
    case 'invalid_scope':
      return 'Entra ID rejected the permission Exchange Connect asked for. This is a configuration error on our side; the operators must check the Exchange Online resource (https://outlook.office365.com/.default).';
    case 'mailbox_not_found':
      return `Exchange has no mailbox for ${mailbox}. Exchange Connect proves that the connection works by opening the mailbox of the admin who connects it, so that admin needs a mailbox (an Exchange licence) while connecting. Sign in as a Global Administrator who has a mailbox, or assign one to ${mailbox}, then verify again. Once the connection is established, that admin may leave the organisation or lose the licence: the integration keeps working.`;
    case 'impersonation_denied':
      return `The service account ${account} may not impersonate ${mailbox}. In the Exchange Management Shell run: ${impersonationCommand(account)}  — then verify again (role changes can take a few minutes).`;
    case 'impersonation_header_missing':
      return 'Exchange requires app-only calls to name the mailbox they act on (ExchangeImpersonation). This is a defect on our side; please report it.';
    case 'invalid_credentials':
      return `Exchange rejected the user name or password of ${account}. If the password was changed in Active Directory, enter the new one with "Update password" (or correct the account with "Change connection details"); check that the account is not locked out or disabled.`;
    case 'ews_blocked':
      return ewsBlockedRemediation(ctx);
    case 'access_policy_denied':
      if (ctx.roomScope)
        return `Exchange Online refused Exchange Connect access to the room ${mailbox}: the room-only role assignment does not cover it yet. Changes to RBAC for Applications can take up to ${ROOM_SCOPE_APPLY_HOURS} hours to apply. Check it with Test-ServicePrincipalAuthorization -Identity ${psQuote(ctx.appId)} -Resource ${psQuote(mailbox)} (InScope must be True), then prove the scope again.`;
      return ctx.service === 'graph'
        ? `Exchange Online refused Exchange Connect access to ${mailbox}. When Exchange Connect is limited to room mailboxes (RBAC for Applications), verify with a room mailbox inside that scope; check a mailbox with: Test-ServicePrincipalAuthorization -Identity ${psQuote(ctx.appId)} -Resource ${psQuote(mailbox)}. An application access policy has the same effect: Test-ApplicationAccessPolicy -Identity ${psQuote(mailbox)} -AppId ${psQuote(ctx.appId)}`
        : `An application access policy limits which mailboxes Exchange Connect may open, and ${mailbox} is outside it. Verify with a room mailbox the policy covers, or check it with: Test-ApplicationAccessPolicy -Identity ${psQuote(mailbox)} -AppId ${psQuote(ctx.appId)}`;
    case 'scope_widened':
      return `Exchange Connect is meant to be limited to room mailboxes, but it can open ${mailbox}. As long as the tenant-wide Calendars.ReadWrite grant exists in Entra ID, it widens access to every mailbox: remove it in the Microsoft Entra admin center (Enterprise applications → Exchange Connect → Permissions → Calendars.ReadWrite → Revoke permission), check the management scope with Test-ServicePrincipalAuthorization -Identity ${psQuote(ctx.appId)} -Resource ${psQuote(mailbox)} (InScope must be False), then prove the scope again in the Exchange Connect tab.`;
    case 'token_rejected':
      return 'Microsoft refused the app-only token Exchange Connect presented. This is usually on our side: the operators must check the app registration, its certificate and the server clock. If your organisation has just changed Conditional Access for workload identities, check the sign-in logs of Exchange Connect in Entra ID.';
    case 'ews_retired':
      return `EWS in Exchange Online was switched off for good on ${EWS_SHUTDOWN_DATE}. Move this connection to Microsoft Graph: in the Exchange Connect tab choose "Move to Microsoft Graph" and grant admin consent for the Graph permissions.`;
    case 'throttled':
      return `Exchange is busy and asked us to wait ${seconds(ctx.retryAfterMs)} s (throttling). Exchange Connect waits and retries by itself; if this persists, check the throttling policy that applies to the account.`;
    case 'unreachable':
      return `${ctx.ewsUrl ?? 'The Exchange endpoint'} could not be reached or answered with a server error. Check that it is published to the internet (EWS at /EWS/Exchange.asmx) and that the server is up; Exchange Connect retries by itself.`;
    case 'untrusted_certificate':
      return `The TLS certificate of ${ctx.ewsUrl ?? 'the Exchange endpoint'} is not trusted. Publish EWS with a certificate from a public certification authority that matches the host name.`;
    case 'timeout':
      return 'Exchange did not answer in time. It may be overloaded or unreachable; Exchange Connect retries by itself. If this persists, check the server and the network path to it.';
    case 'endpoint_not_allowed':
      return 'Credentials are only sent to public https:// endpoints. Enter the external EWS URL, e.g. https://mail.example.com/EWS/Exchange.asmx.';
    case 'autodiscover_failed':
      return 'Autodiscover could not find the EWS endpoint for this address. Enter the EWS URL directly (e.g. https://mail.example.com/EWS/Exchange.asmx), or publish Autodiscover for your domain.';
    case 'protocol_error':
      return 'The endpoint did not answer like Exchange Web Services. Check that the URL points at /EWS/Exchange.asmx of an Exchange server, not a proxy or sign-in page.';
    case 'wrong_method':
      return 'This organisation\'s mailboxes are not where this connection method looks. Use "Exchange Online (Modern Authentication)" for Microsoft 365 mailboxes and "Exchange Server (Basic Authentication)" for on-premises mailboxes.';
    case 'invalid_address':
      return "Exchange Connect sends Exchange only mailbox addresses of the form name@domain.tld (letters, digits and . _ - + ') and service accounts as name@domain.tld or DOMAIN\\name. Check the address or account for typing mistakes or text pasted with it, then try again.";
    case 'secret_unavailable':
      return 'The service account\'s password could not be read from Key Vault. Enter it again with "Update password"; if this persists, the operators must check Key Vault access.';
    case 'unexpected':
      return 'Something unexpected happened. Try again; if it persists, contact support with the time and the error code shown.';
  }
}

/**
 * What to do about one room the platform cannot read. The mailbox texts above speak of the
 * admin's own mailbox; a room has its own causes (deleted, renamed, outside a scope or policy).
 */
export function roomRemediation(kind: ErrorKind, room: string, ctx: RemediationContext): string {
  switch (kind) {
    case 'mailbox_not_found':
      return `Exchange has no mailbox for the room ${room}: it was deleted or its address changed. Restore the room mailbox or remove it from its room list; a new or renamed room can take up to 48 hours to appear in room lists.`;
    case 'access_policy_denied':
      return `Exchange refused Exchange Connect access to the room ${room}: the room-only scope or an application access policy does not cover it. Check it with Test-ServicePrincipalAuthorization -Identity ${psQuote(ctx.appId)} -Resource ${psQuote(room)} and add the room to the scope.`;
    case 'impersonation_denied':
      return `The service account may not impersonate the room ${room}. Check that ApplicationImpersonation covers it: ${impersonationCommand(ctx.serviceAccount ?? 'the service account')}`;
    case 'throttled':
      return `Exchange asked Exchange Connect to wait before reading the room ${room} again. Nothing to do: re-check the rooms in a few minutes.`;
    default:
      return `Exchange could not read the calendar of the room ${room}. Re-check the rooms; if it persists, check the room mailbox in the Exchange admin center.`;
  }
}
