/**
 * What Exchange Connect sends to Exchange as a mailbox address or a service account, checked
 * strictly before it reaches SOAP (ews-javascript-api writes addresses into XML unescaped), a Graph
 * URL path, an X-AnchorMailbox header or a PowerShell command: an SMTP address of plain characters,
 * or `DOMAIN\user`. The API boundary (http/contract.ts) and the adapters use the same rules, so
 * every entry point (tab, CLI, bot, addresses Exchange itself returns) is covered.
 */
import { ExchangeConnectError } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';

/** Local part: letters, digits and . _ - + ' (no quotes, spaces, `$`, `&`, `<`, backslashes…). */
const LOCAL_PART = /^[A-Za-z0-9_'+-]+(\.[A-Za-z0-9_'+-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
/** NetBIOS domain names have at most 15 characters; sAMAccountName at most 20. */
const NETBIOS_DOMAIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/;
const SAM_ACCOUNT_NAME = /^[A-Za-z0-9_'-]+(\.[A-Za-z0-9_'-]+)*$/;

export const SERVICE_ACCOUNT_RULE = 'must be a user principal name (user@domain.tld) or DOMAIN\\user';

/** A DNS name of at least two labels with a real top-level label (contoso.com), as tenants and mailboxes use. */
export function isDomainName(domain: string): boolean {
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  return (
    labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && TOP_LEVEL.test(labels.at(-1) ?? '')
  );
}

/** `user@domain.tld` with sane characters and lengths (RFC 5321: 64 for the local part, 254 in all). */
export function isMailboxAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.indexOf('@');
  if (at < 1 || at !== value.lastIndexOf('@')) return false;
  const local = value.slice(0, at);
  return local.length <= 64 && LOCAL_PART.test(local) && isDomainName(value.slice(at + 1));
}

/** A service account as Exchange Server's Basic authentication takes it: a UPN or `DOMAIN\user`. */
export function isServiceAccountName(value: string): boolean {
  const slash = value.indexOf('\\');
  if (slash < 0) return isMailboxAddress(value);
  const domain = value.slice(0, slash);
  const user = value.slice(slash + 1);
  return NETBIOS_DOMAIN.test(domain) && user.length <= 20 && SAM_ACCOUNT_NAME.test(user);
}

function refused(code: string, message: string, ctx: RemediationContext): ExchangeConnectError {
  return new ExchangeConnectError({
    kind: 'invalid_address',
    code,
    message,
    remediation: remediationFor('invalid_address', ctx),
  });
}

/** Throws invalid_address unless every address is a mailbox address; nothing is sent otherwise. */
export function requireMailboxAddresses(addresses: readonly string[], ctx: RemediationContext): void {
  if (addresses.every(isMailboxAddress)) return;
  throw refused(
    'InvalidMailboxAddress',
    'Exchange Connect did not send this request: a mailbox address in it is not of the form name@domain.tld.',
    ctx,
  );
}

export function requireServiceAccountName(account: string, ctx: RemediationContext): void {
  if (isServiceAccountName(account)) return;
  throw refused(
    'InvalidServiceAccount',
    `The stored service account is not a user principal name (name@domain.tld) or DOMAIN\\name; Exchange Connect did not use it.`,
    ctx,
  );
}
