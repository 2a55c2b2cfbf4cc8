/**
 * Exchange Online RBAC for Applications, per tenant: service principals (`New-ServicePrincipal`),
 * management scopes with recipient filters (`New-ManagementScope`), role assignments to an app
 * (`New-ManagementRoleAssignment -App -Role "Application …" -CustomResourceScope`) that take effect
 * after a propagation delay, and `Test-ServicePrincipalAuthorization`.
 */
import {
  matchesRecipientFilter,
  parseRecipientFilter,
  type Recipient,
  type RecipientFilter,
} from './recipient-filter';

/** The application roles Exchange Online offers, with the permissions each grants in its scope. */
export const APPLICATION_ROLES: Record<string, readonly string[]> = {
  'Application Calendars.Read': ['Calendars.Read'],
  'Application Calendars.ReadWrite': ['Calendars.ReadWrite'],
  'Application Contacts.Read': ['Contacts.Read'],
  'Application Contacts.ReadWrite': ['Contacts.ReadWrite'],
  'Application Mail.Read': ['Mail.Read'],
  'Application Mail.ReadBasic': ['Mail.ReadBasic'],
  'Application Mail.ReadWrite': ['Mail.ReadWrite'],
  'Application Mail.Send': ['Mail.Send'],
  'Application MailboxSettings.Read': ['MailboxSettings.Read'],
  'Application MailboxSettings.ReadWrite': ['MailboxSettings.ReadWrite'],
  'Application Mail Full Access': ['Mail.ReadWrite', 'Mail.Send'],
  'Application Exchange Full Access': [
    'Mail.ReadWrite',
    'Calendars.ReadWrite',
    'Contacts.ReadWrite',
    'MailboxSettings.ReadWrite',
  ],
  'Application EWS.AccessAsApp': ['EWS.AccessAsApp'],
};

/** A `….ReadWrite…` permission includes its `….Read…` (Calendars.ReadWrite ⊇ Calendars.Read). */
export function includesPermission(granted: string, wanted: string): boolean {
  const g = granted.toLowerCase();
  const w = wanted.toLowerCase();
  return g === w || g === w.replace(/\.read(\.|$)/, '.readwrite$1');
}

export interface ServicePrincipal {
  appId: string;
  /** The object id of the app's service principal in this tenant (Enterprise applications). */
  objectId: string;
  displayName: string;
  createdAtMs: number;
}

export interface ManagementScope {
  name: string;
  recipientRestrictionFilter: string;
  filter: RecipientFilter;
  createdAtMs: number;
}

export interface RoleAssignment {
  name: string;
  role: string;
  app: string;
  customResourceScope?: string;
  createdAtMs: number;
}

/** What Test-ServicePrincipalAuthorization reports per role assignment of the app. */
export interface AuthorizationRow {
  roleName: string;
  grantedPermissions: string[];
  allowedResourceScope: string;
  scopeType: 'CustomRecipientScope' | 'Organization';
  inScope: boolean;
  /** False while the assignment has not propagated yet (the sandbox says so; Exchange only delays). */
  effective: boolean;
}

export class RbacError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface TenantRbac {
  servicePrincipals: Map<string, ServicePrincipal>;
  scopes: Map<string, ManagementScope>;
  assignments: Map<string, RoleAssignment>;
}

const key = (s: string) => s.toLowerCase();

export class RbacState {
  private readonly tenants = new Map<string, TenantRbac>();

  constructor(
    private readonly now: () => number,
    public propagationMs: number,
  ) {}

  private of(tenantId: string): TenantRbac {
    let state = this.tenants.get(tenantId);
    if (!state) {
      state = { servicePrincipals: new Map(), scopes: new Map(), assignments: new Map() };
      this.tenants.set(tenantId, state);
    }
    return state;
  }

  servicePrincipals(tenantId: string): ServicePrincipal[] {
    return [...this.of(tenantId).servicePrincipals.values()];
  }

  newServicePrincipal(
    tenantId: string,
    input: { appId: string; objectId: string; displayName?: string },
  ): ServicePrincipal {
    const state = this.of(tenantId);
    if (state.servicePrincipals.has(key(input.appId))) {
      throw new RbacError(
        409,
        'already_exists',
        `A service principal with AppId '${input.appId}' already exists.`,
      );
    }
    const sp = {
      appId: input.appId.toLowerCase(),
      objectId: input.objectId.toLowerCase(),
      displayName: input.displayName ?? input.appId,
      createdAtMs: this.now(),
    };
    state.servicePrincipals.set(key(sp.appId), sp);
    return sp;
  }

  /** Remove-ServicePrincipal; its role assignments go with it. */
  removeServicePrincipal(tenantId: string, appId: string): void {
    const state = this.of(tenantId);
    if (!state.servicePrincipals.delete(key(appId))) throw this.notFound(appId);
    for (const [name, a] of state.assignments) if (key(a.app) === key(appId)) state.assignments.delete(name);
  }

  scopes(tenantId: string): ManagementScope[] {
    return [...this.of(tenantId).scopes.values()];
  }

  newManagementScope(tenantId: string, name: string, recipientRestrictionFilter: string): ManagementScope {
    const state = this.of(tenantId);
    if (state.scopes.has(key(name))) {
      throw new RbacError(409, 'already_exists', `The management scope '${name}' already exists.`);
    }
    let filter: RecipientFilter;
    try {
      filter = parseRecipientFilter(recipientRestrictionFilter);
    } catch (error) {
      throw new RbacError(400, 'invalid_filter', error instanceof Error ? error.message : String(error));
    }
    const scope = { name, recipientRestrictionFilter, filter, createdAtMs: this.now() };
    state.scopes.set(key(name), scope);
    return scope;
  }

  removeManagementScope(tenantId: string, name: string): void {
    const state = this.of(tenantId);
    if (!state.scopes.has(key(name))) throw this.notFound(name);
    const users = [...state.assignments.values()].filter(
      (a) => key(a.customResourceScope ?? '') === key(name),
    );
    if (users.length > 0) {
      throw new RbacError(
        409,
        'scope_in_use',
        `The management scope '${name}' can't be removed because it's used by the role assignments ${users.map((a) => a.name).join(', ')}.`,
      );
    }
    state.scopes.delete(key(name));
  }

  assignments(tenantId: string): RoleAssignment[] {
    return [...this.of(tenantId).assignments.values()];
  }

  newRoleAssignment(
    tenantId: string,
    input: { app: string; role: string; customResourceScope?: string; name?: string },
  ): RoleAssignment {
    const state = this.of(tenantId);
    const role = Object.keys(APPLICATION_ROLES).find((r) => key(r) === key(input.role));
    if (!role) throw new RbacError(404, 'role_not_found', `The role '${input.role}' couldn't be found.`);
    const sp = state.servicePrincipals.get(key(input.app));
    if (!sp) throw this.notFound(input.app);
    const scope = input.customResourceScope ? state.scopes.get(key(input.customResourceScope)) : undefined;
    if (input.customResourceScope && !scope) throw this.notFound(input.customResourceScope);
    const name = input.name ?? `${role}-${sp.appId}${scope ? `-${scope.name}` : ''}`;
    if (state.assignments.has(key(name))) {
      throw new RbacError(409, 'already_exists', `The role assignment '${name}' already exists.`);
    }
    const assignment: RoleAssignment = {
      name,
      role,
      app: sp.appId,
      ...(scope ? { customResourceScope: scope.name } : {}),
      createdAtMs: this.now(),
    };
    state.assignments.set(key(name), assignment);
    return assignment;
  }

  removeRoleAssignment(tenantId: string, name: string): void {
    if (!this.of(tenantId).assignments.delete(key(name))) throw this.notFound(name);
  }

  isEffective(assignment: RoleAssignment): boolean {
    return this.now() - assignment.createdAtMs >= this.propagationMs;
  }

  effectiveAtMs(assignment: RoleAssignment): number {
    return assignment.createdAtMs + this.propagationMs;
  }

  /** Test-ServicePrincipalAuthorization -Identity <appId> -Resource <mailbox>. */
  testAuthorization(tenantId: string, appId: string, recipient: Recipient): AuthorizationRow[] {
    const state = this.of(tenantId);
    if (!state.servicePrincipals.has(key(appId))) throw this.notFound(appId);
    return [...state.assignments.values()]
      .filter((a) => key(a.app) === key(appId))
      .map((a) => {
        const scope = a.customResourceScope ? state.scopes.get(key(a.customResourceScope)) : undefined;
        return {
          roleName: a.role,
          grantedPermissions: [...(APPLICATION_ROLES[a.role] ?? [])],
          allowedResourceScope: scope?.name ?? 'Organization',
          scopeType: scope ? 'CustomRecipientScope' : 'Organization',
          inScope: scope ? matchesRecipientFilter(scope.filter, recipient) : true,
          effective: this.isEffective(a),
        };
      });
  }

  /**
   * Whether an effective assignment lets the app (`appId`, signing in as service principal
   * `objectId`) use `permission` on `recipient`. The service principal's ObjectId must be the one
   * the token carries: the Enterprise application's object id, not the app registration's.
   */
  permits(
    tenantId: string,
    appId: string,
    objectId: string,
    permission: string,
    recipient?: Recipient,
  ): boolean {
    const state = this.tenants.get(tenantId);
    const sp = state?.servicePrincipals.get(key(appId));
    if (!state || !sp || sp.objectId !== key(objectId)) return false;
    return [...state.assignments.values()].some((a) => {
      if (key(a.app) !== key(appId) || !this.isEffective(a)) return false;
      if (!(APPLICATION_ROLES[a.role] ?? []).some((p) => includesPermission(p, permission))) return false;
      if (!recipient) return true;
      const scope = a.customResourceScope ? state.scopes.get(key(a.customResourceScope)) : undefined;
      return !scope || matchesRecipientFilter(scope.filter, recipient);
    });
  }

  private notFound(identity: string): RbacError {
    return new RbacError(
      404,
      'not_found',
      `The operation couldn't be performed because object '${identity}' couldn't be found.`,
    );
  }
}
