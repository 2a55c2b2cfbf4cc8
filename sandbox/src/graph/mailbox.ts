/**
 * Which mailbox `/users/{id|userPrincipalName}` names, and whether the app may open its calendar:
 * a tenant-wide Calendars.* role in the token (narrowed by an application access policy), or an
 * effective RBAC for Applications assignment whose scope covers the mailbox. Tenant-wide grants
 * are additive, so a scope restricts only once the tenant-wide role is gone.
 */
import type { SandboxContext } from '../context';
import { includesPermission } from '../rbac/rbac-state';
import { graphErrors } from './errors';
import { decodeSegment } from './odata';
import type { GraphCaller } from './wire';

export interface MailboxTarget {
  /** The segment as the request wrote it (echoed in errors and `@odata.context`). */
  segment: string;
  address: string;
  id: string;
  displayName: string;
  isRoom: boolean;
}

/** The user or room of the caller's tenant a path segment names (UPN/address or object id). */
export function resolveMailbox(ctx: SandboxContext, caller: GraphCaller, segment: string): MailboxTarget {
  const key = decodeSegment(segment);
  const user = ctx.index.user(key);
  if (user && user.tenant.id === caller.tenant.id) {
    const { upn, id, displayName } = user.user;
    return { segment, address: upn, id, displayName, isRoom: false };
  }
  const room = ctx.index.room(key);
  if (room && room.tenant.id === caller.tenant.id) {
    return {
      segment,
      address: room.room.address,
      id: room.id,
      displayName: room.room.displayName,
      isRoom: true,
    };
  }
  throw graphErrors.invalidUser(key);
}

/** Throws Graph's answer when the app may not use `permission` on the mailbox's calendar. */
export function authorizeCalendar(
  ctx: SandboxContext,
  caller: GraphCaller,
  target: MailboxTarget,
  permission: 'Calendars.Read' | 'Calendars.ReadWrite',
): void {
  const tenantId = caller.tenant.id;
  const tenantWide = caller.roles.some((role) => includesPermission(role, permission));
  const { rbac } = ctx.exchange;
  if (!tenantWide && !rbac.permits(tenantId, caller.appId, caller.objectId, permission)) {
    throw graphErrors.accessDenied();
  }
  const recipient =
    caller.tenant.exchange.kind === 'online' ? ctx.exchange.recipient(tenantId, target.address) : undefined;
  if (!recipient) throw graphErrors.mailboxNotEnabled();
  const byGrant = tenantWide && ctx.exchange.appMayAccess(tenantId, target.address);
  if (!byGrant && !rbac.permits(tenantId, caller.appId, caller.objectId, permission, recipient)) {
    throw graphErrors.accessDenied();
  }
}

export function requireRole(caller: GraphCaller, permission: string): void {
  if (!caller.roles.some((role) => includesPermission(role, permission))) throw graphErrors.accessDenied();
}
