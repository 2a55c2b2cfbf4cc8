/** How the sandbox Entra ID resolves the `{tenant}` path segment, and the ids it derives per tenant. */
import type { SandboxContext } from '../context';
import type { SeedTenant } from '../seed';
import { guidFrom } from '../seed-index';

export interface ResolvedTenant {
  id: string;
  displayName: string;
  /** The customer organisation, absent for the publisher (our app's home tenant). */
  customer?: SeedTenant;
}

/** A customer tenant or the publisher tenant, by GUID or verified domain; undefined when unknown. */
export function resolveTenant(ctx: SandboxContext, segment: string): ResolvedTenant | undefined {
  const customer = ctx.directory.findTenant(segment);
  if (customer) return { id: customer.id, displayName: customer.displayName, customer };
  if (ctx.directory.isPublisherTenant(segment)) {
    const { tenantId, displayName } = ctx.seed.publisher;
    return { id: tenantId, displayName };
  }
  return undefined;
}

/** `common` and `organizations`: the multi-tenant aliases that resolve to the signed-in user's tenant. */
export const isTenantAlias = (segment: string) => ['common', 'organizations'].includes(segment.toLowerCase());

/** A stable GUID derived from its inputs, so a service principal keeps its object id across restarts. */
export const deterministicGuid = guidFrom;

export const servicePrincipalId = (tenantId: string, appId: string) =>
  deterministicGuid('servicePrincipal', tenantId, appId);
