/**
 * Graph's token check: an app-only Bearer token from Entra with a good signature, lifetime,
 * audience (`https://graph.microsoft.com` or Graph's app id) and a tenant Graph knows. What the app
 * may then do is decided per request from the token's `roles` (and Exchange's RBAC for Applications).
 */
import { errors as joseErrors } from 'jose';
import type { SandboxContext } from '../context';
import type { SeedTenant } from '../seed';
import { RESOURCES, verifyAppOnlyToken } from '../access-tokens';
import { GRAPH_APP_ID } from '../entra/app-roles';
import { GraphError, graphErrors } from './errors';
import type { GraphCaller } from './wire';

/** The challenge Graph sends with every 401. */
export const graphChallenge = (ctx: SandboxContext) =>
  `Bearer realm="", authorization_uri="${ctx.urls.entra}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

/** The publisher tenant as Graph sees it: a real directory with no mailboxes of interest. */
function publisherTenant(ctx: SandboxContext): SeedTenant {
  const { tenantId, displayName, domains } = ctx.seed.publisher;
  return {
    id: tenantId,
    displayName,
    domains,
    exchange: { kind: 'online', ews: { enabled: null, allowedAppIds: [] } },
    users: [],
    rooms: [],
    roomLists: [],
  };
}

export async function authenticateGraph(
  ctx: SandboxContext,
  authorization: string | undefined,
): Promise<GraphCaller | GraphError> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return graphErrors.emptyToken();
  if (token.split('.').length !== 3) return graphErrors.unparsableToken();
  try {
    const claims = await verifyAppOnlyToken(ctx, token, RESOURCES.graph, [
      GRAPH_APP_ID,
      `${RESOURCES.graph}/`,
    ]);
    const tenant =
      ctx.index.tenant(claims.tid) ??
      (claims.tid === ctx.seed.publisher.tenantId ? publisherTenant(ctx) : undefined);
    if (!tenant || tenant.id !== claims.tid) return graphErrors.invalidToken(' Invalid issuer.');
    const objectId = typeof claims.oid === 'string' ? claims.oid : '';
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r) => typeof r === 'string') : [];
    return { tenant, appId: claims.appid, objectId, roles };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return graphErrors.expiredToken();
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
      return graphErrors.invalidToken(' Invalid audience.');
    }
    if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
      return graphErrors.unparsableToken();
    }
    return error instanceof joseErrors.JOSEError
      ? graphErrors.invalidToken()
      : graphErrors.invalidToken(' Invalid issuer.');
  }
}

export const isGraphError = (value: unknown): value is GraphError => value instanceof GraphError;
