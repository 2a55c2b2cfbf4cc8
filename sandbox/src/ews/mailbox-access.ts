/** Which mailbox a request acts as, and whether the caller may open another one. */
import type { SandboxContext } from '../context';
import type { SeedTenant } from '../seed';
import type { Caller, Organisation } from './auth';
import type { OptionalFolderProperty } from '../faults';
import { EWS_POLICY_REASONS, type EwsPolicyReason } from '../exchange-state';
import { errorMessage, fault, type EwsFault, type ResponseMessage } from './soap';

export interface OperationContext {
  ctx: SandboxContext;
  tenant: SeedTenant;
  caller: Caller;
  /** The impersonated mailbox; undefined for a service account acting as itself. */
  actingMailbox?: string;
  /** Optional folder properties this answer leaves out (the omitProperties fault). */
  omitted?: ReadonlySet<OptionalFolderProperty>;
}

/**
 * The header checks Exchange makes before running any operation; a failure is an HTTP 500 fault.
 * App-only tokens must impersonate; Basic callers need ApplicationImpersonation to do so.
 */
export function checkImpersonation(
  ctx: SandboxContext,
  caller: Caller,
  address: string | undefined,
): { fault: EwsFault } | { actingMailbox?: string } {
  if (!address) {
    if (caller.kind === 'app') return { fault: fault('ErrorInvalidExchangeImpersonationHeaderData') };
    return {};
  }
  if (caller.kind === 'serviceAccount' && !caller.account.applicationImpersonation) {
    return { fault: fault('ErrorImpersonateUserDenied') };
  }
  if (!ctx.exchange.hasMailbox(caller.tenant.id, address)) {
    return { fault: fault('ErrorNonExistentMailbox', { SmtpAddress: address }) };
  }
  if (caller.kind === 'app' && !ctx.exchange.appMayAccess(caller.tenant.id, address)) {
    // Application access policy (RestrictAccess): Exchange refuses the impersonated mailbox itself.
    return { fault: fault('ErrorAccessDenied') };
  }
  return { actingMailbox: address };
}

/**
 * Exchange Online routes an impersonating app-only request by X-AnchorMailbox, which must name the
 * impersonated mailbox. Microsoft documents only that such requests fail (HTTP 500/503) without it;
 * the sandbox answers a missing or different anchor with ErrorInternalServerTransientError, always.
 */
export function checkAnchorMailbox(
  organisation: Organisation,
  caller: Caller,
  impersonated: string | undefined,
  anchor: string | undefined,
): EwsFault | undefined {
  if (organisation !== 'online' || caller.kind !== 'app' || !impersonated) return undefined;
  const anchored = (anchor ?? '')
    .trim()
    .replace(/^smtp:/i, '')
    .toLowerCase();
  return anchored === impersonated.toLowerCase() ? undefined : fault('ErrorInternalServerTransientError');
}

/** `Set-CASMailbox -EwsEnabled $false` on the mailbox the request acts as: EWS is disabled for that user. */
export function checkMailboxEws(
  ctx: SandboxContext,
  acting: string | undefined,
): EwsPolicyReason | undefined {
  return acting && ctx.exchange.mailboxEwsEnabled(acting) === false ? EWS_POLICY_REASONS.disabled : undefined;
}

/** A mailbox named inside the request (a DistinguishedFolderId's Mailbox), checked like Exchange does per item. */
export function checkMailbox(op: OperationContext, address: string): ResponseMessage | undefined {
  if (!op.ctx.exchange.hasMailbox(op.tenant.id, address)) {
    return errorMessage('ErrorNonExistentMailbox', { SmtpAddress: address });
  }
  if (op.caller.kind === 'app' && !op.ctx.exchange.appMayAccess(op.tenant.id, address)) {
    return errorMessage('ErrorAccessDenied');
  }
  return undefined;
}

export function mailboxDisplayName(ctx: SandboxContext, tenant: SeedTenant, address: string): string {
  const key = address.toLowerCase();
  const user = ctx.index.user(key);
  const room = ctx.index.room(key);
  if (user?.tenant.id === tenant.id) return user.user.displayName;
  if (room?.tenant.id === tenant.id) return room.room.displayName;
  return key;
}
