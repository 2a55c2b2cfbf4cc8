/**
 * Whether a room-only scope (RBAC for Applications) really restricts Exchange Connect: the token
 * must carry no tenant-wide Calendars permission (Entra grants are additive and would widen the
 * scope to every mailbox), and a mailbox outside the scope must be refused with ErrorAccessDenied.
 * The proof in the tab and the health check both ask this one question.
 */
import { diagnosticOf, type Diagnostic, type UnexpectedErrorReport } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { JsonObject } from '../store/types';
import type { CallOptions, MailboxAccess } from './port';

export type ScopeVerdict =
  /** The outside mailbox was refused: the scope holds. */
  | { verdict: 'restricted'; detail: JsonObject }
  /** Exchange Connect can reach beyond rooms: a tenant-wide grant, or the outside mailbox opened. */
  | { verdict: 'widened'; diagnostic: Diagnostic; detail: JsonObject }
  /** The outside mailbox does not exist (any more): the token check alone holds. */
  | { verdict: 'probe_gone'; detail: JsonObject }
  /** Exchange did not say (throttled, unreachable, …). */
  | { verdict: 'unknown'; diagnostic: Diagnostic; detail: JsonObject };

/** Calendar permissions an Entra grant gives for every mailbox in the organisation. */
export function tenantWideCalendarRoles(roles: readonly string[]): string[] {
  return roles.filter((role) => role.startsWith('Calendars.'));
}

export async function probeRoomScope(
  connection: { access: MailboxAccess; roles: readonly string[] },
  outside: string | undefined,
  ctx: RemediationContext,
  report?: UnexpectedErrorReport,
  options: CallOptions = {},
): Promise<ScopeVerdict> {
  const roles = [...connection.roles];
  const widened = (message: string, detail: JsonObject): ScopeVerdict => ({
    verdict: 'widened',
    detail,
    diagnostic: {
      kind: 'scope_widened',
      code: 'ScopeWidened',
      message,
      remediation: remediationFor('scope_widened', { ...ctx, ...(outside ? { mailbox: outside } : {}) }),
    },
  });
  const tenantWide = tenantWideCalendarRoles(roles);
  if (tenantWide.length > 0) {
    return widened(
      `The token carries the tenant-wide ${tenantWide.join(', ')} permission: Exchange Connect can open every mailbox, not only rooms.`,
      { roles },
    );
  }
  if (!outside) return { verdict: 'probe_gone', detail: { roles } };
  try {
    await connection.access.openCalendar(outside, options);
  } catch (error) {
    const diagnostic = diagnosticOf(
      error,
      (kind) => remediationFor(kind, { ...ctx, mailbox: outside }),
      report,
    );
    if (diagnostic.kind === 'access_policy_denied')
      return { verdict: 'restricted', detail: { roles, outside, refused: true, code: diagnostic.code } };
    if (diagnostic.kind === 'mailbox_not_found')
      return { verdict: 'probe_gone', detail: { roles, outside, probeGone: true, code: diagnostic.code } };
    return { verdict: 'unknown', diagnostic, detail: { roles, outside } };
  }
  return widened(`Exchange Connect could open ${outside}, a mailbox outside the room-only scope.`, {
    roles,
    outside,
    refused: false,
  });
}
