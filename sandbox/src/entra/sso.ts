/** The Teams SSO token for the tab: what `authentication.getAuthToken()` hands the tab for a signed-in user. */
import type { SandboxContext } from '../context';
import { v2Issuer, type SsoClaims } from '../access-tokens';
import { deterministicGuid } from './tenants';

/** Microsoft Teams (desktop and web), the client that requests the tab's SSO token. */
export const TEAMS_CLIENT_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
const SSO_TOKEN_LIFETIME_SECONDS = 3600;

export async function issueSsoToken(ctx: SandboxContext, upn: string): Promise<string> {
  const found = ctx.directory.findUser(upn);
  if (!found) throw new Error(`No sandbox user '${upn}'.`);
  const { tenant, user } = found;
  const wids = ctx.directory.roleTemplateIds(user);
  const claims: SsoClaims = {
    aud: ctx.seed.app.clientId,
    iss: v2Issuer(ctx, tenant.id),
    tid: tenant.id,
    oid: user.id,
    // Entra's `sub` is pairwise: one value per user and app.
    sub: deterministicGuid('sub', user.id, ctx.seed.app.clientId).replace(/-/g, ''),
    preferred_username: user.upn,
    name: user.displayName,
    scp: ctx.seed.app.ssoScope,
    azp: TEAMS_CLIENT_ID,
    azpacr: '0',
    ver: '2.0',
    ...(wids.length > 0 ? { wids } : {}),
  };
  return ctx.tokens.sign(claims, SSO_TOKEN_LIFETIME_SECONDS, ctx.now());
}
