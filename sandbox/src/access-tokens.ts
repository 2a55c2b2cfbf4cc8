/**
 * The token shapes the sandbox Entra ID issues and the sandbox resource servers accept, matching
 * what Microsoft's services issue: v1 app-only access tokens for resources (Exchange, Microsoft Graph,
 * Key Vault, Bot Framework) and v2 Teams SSO tokens for the tab. One place, so issuer and verifiers agree.
 */
import type { JWTPayload } from 'jose';
import type { SandboxContext } from './context';

export const RESOURCES = {
  exchange: 'https://outlook.office365.com',
  graph: 'https://graph.microsoft.com',
  keyVault: 'https://vault.azure.net',
  botFramework: 'https://api.botframework.com',
} as const;
export type Resource = (typeof RESOURCES)[keyof typeof RESOURCES];

export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

export interface AppOnlyClaims extends JWTPayload {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  appidacr: '1' | '2';
  idtyp: 'app';
  oid: string;
  roles?: string[];
  ver: '1.0';
}

export interface SsoClaims extends JWTPayload {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  preferred_username: string;
  name: string;
  scp: string;
  wids?: string[];
  azp: string;
  ver: '2.0';
}

/** v1 issuer, as in Entra's app-only tokens for Exchange Online and Key Vault. */
export const v1Issuer = (tenantId: string) => `https://sts.windows.net/${tenantId}/`;
/** v2 issuer of the sandbox authority (`{authority}/{tid}/v2.0`), as the tab's SSO token carries. */
export const v2Issuer = (ctx: SandboxContext, tenantId: string) => `${ctx.urls.entra}/${tenantId}/v2.0`;

/** Signs an app-only access token; `roles` only where the caller decided the app holds them. */
export function issueAppOnlyToken(
  ctx: SandboxContext,
  input: {
    tenantId: string;
    appId: string;
    resource: Resource;
    roles?: string[];
    servicePrincipalId: string;
  },
): Promise<string> {
  const claims: AppOnlyClaims = {
    aud: input.resource,
    iss: v1Issuer(input.tenantId),
    tid: input.tenantId,
    appid: input.appId,
    appidacr: '2',
    idtyp: 'app',
    oid: input.servicePrincipalId,
    sub: input.servicePrincipalId,
    ver: '1.0',
    ...(input.roles && input.roles.length > 0 ? { roles: input.roles } : {}),
  };
  return ctx.tokens.sign(claims, ACCESS_TOKEN_LIFETIME_SECONDS, ctx.now());
}

/**
 * Verifies signature, lifetime, audience and v1 issuer-for-tid of an app-only token. `audiences`
 * lists the other forms a resource accepts in `aud` (Graph takes its app id too).
 */
export async function verifyAppOnlyToken(
  ctx: SandboxContext,
  token: string,
  resource: Resource,
  audiences: readonly string[] = [],
): Promise<AppOnlyClaims> {
  const payload = await ctx.tokens.verify(token, [resource, ...audiences], new Date(ctx.now()));
  const tid = typeof payload.tid === 'string' ? payload.tid : '';
  if (payload.iss !== v1Issuer(tid) || typeof payload.appid !== 'string') {
    throw new Error('token issuer or appid is not valid');
  }
  return payload as AppOnlyClaims;
}
