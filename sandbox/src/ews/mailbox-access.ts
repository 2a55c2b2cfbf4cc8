/** Which mailbox a request acts as, and whether the caller may open another one. */
import type { SandboxContext } from '../context';
import type { SeedTenant } from '../seed';
import type { Caller } from './auth';
import { errorMessage, fault, type EwsFault, type ResponseMessage } from './soap';

export interface OperationContext {
  ctx: SandboxContext;
  tenant: SeedTenant;
  caller: Caller;
  /** The impersonated mailbox; undefined for a service account acting as itself. */
  actingMailbox?: string;
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

export function mailboxDisplayName(tenant: SeedTenant, address: string): string {
  const key = address.toLowerCase();
  return (
    tenant.users.find((u) => u.upn === key)?.displayName ??
    tenant.rooms.find((r) => r.address === key)?.displayName ??
    key
  );
}
