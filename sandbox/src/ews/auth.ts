/**
 * Who is calling EWS, decided before any SOAP is read, as Exchange's front end does:
 * Exchange Online takes app-only Bearer tokens from Entra ID and serves the organisation the
 * token's `tid` names; Exchange Server (IIS) takes Basic credentials of a service account and serves
 * the on-premises organisation the request's host names (mail.fabrikam.com), else the account's.
 */
import { errors as joseErrors } from 'jose';
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxContext } from '../context';
import { RESOURCES, verifyAppOnlyToken } from '../access-tokens';
import type { EwsPolicyReason, ServiceAccount } from '../exchange-state';
import type { SeedTenant } from '../seed';

export type Organisation = 'online' | 'server';

export type Caller =
  | { kind: 'app'; tenant: SeedTenant; appId: string }
  | { kind: 'serviceAccount'; tenant: SeedTenant; account: ServiceAccount };

export interface HttpRejection {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  contentType?: string;
}

export type AuthResult = { ok: true; caller: Caller } | { ok: false; rejection: HttpRejection };

// Exchange Online's challenge: it names Exchange's own principal and the token types it accepts.
const BEARER_CHALLENGE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ' +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"';

/**
 * x-ms-diagnostics values. 2000008 is verbatim from Exchange Online; the wording of 2000001
 * (signature) and 2000003 (claims: lifetime, audience, tenant) follows the same format as the
 * values seen in the field.
 */
export const DIAGNOSTICS = {
  noPermissions:
    '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"',
  badSignature: '2000001;reason="The token has invalid signature.";error_category="invalid_signature"',
  expired: '2000003;reason="The token has expired.";error_category="invalid_token"',
  audience: (aud: string) =>
    `2000003;reason="The audience claim value is invalid '${aud}'.";error_category="invalid_resource"`,
  tenant:
    '2000003;reason="The token tenant does not match the organization.";error_category="invalid_tenant"',
  malformed: '2000001;reason="The token is malformed.";error_category="invalid_token"',
} as const;

function bearerRejection(diagnostics?: string): HttpRejection {
  return {
    status: 401,
    headers: {
      'WWW-Authenticate': BEARER_CHALLENGE,
      ...(diagnostics ? { 'x-ms-diagnostics': diagnostics } : {}),
    },
    body: '',
  };
}

/** HTTP 403 with `X-EWS-Policy-Reason` and no SOAP body: how Exchange Online refuses blocked EWS. */
export function policyRejection(reason: EwsPolicyReason): HttpRejection {
  return { status: 403, headers: { 'X-EWS-Policy-Reason': reason }, body: '' };
}

export async function authenticateOnline(
  ctx: SandboxContext,
  headers: IncomingHttpHeaders,
): Promise<AuthResult> {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match?.[1]) return { ok: false, rejection: bearerRejection() };
  const token = match[1];
  let claims;
  try {
    claims = await verifyAppOnlyToken(ctx, token, RESOURCES.exchange);
  } catch (error) {
    return { ok: false, rejection: bearerRejection(tokenDiagnostics(error, token)) };
  }
  // The organisation is the token's tenant; a tenant that is not on Exchange Online is a mismatch.
  const tenant = ctx.index.tenant(claims.tid);
  if (!tenant || tenant.exchange.kind !== 'online' || tenant.id !== claims.tid) {
    return { ok: false, rejection: bearerRejection(DIAGNOSTICS.tenant) };
  }
  if (!claims.roles?.includes('full_access_as_app')) {
    return { ok: false, rejection: bearerRejection(DIAGNOSTICS.noPermissions) };
  }
  // Since 2026-10-01 Exchange Online refuses EWS to apps the organisation has not allowed
  // (EwsEnabled + EwsAllowedAppIDs, user-agent lists): HTTP 403 with X-EWS-Policy-Reason, no SOAP.
  const userAgent = typeof headers['user-agent'] === 'string' ? headers['user-agent'] : '';
  const blocked = ctx.exchange.ewsOrganizationBlock(tenant.id, claims.appid, userAgent);
  if (blocked) return { ok: false, rejection: policyRejection(blocked) };
  return { ok: true, caller: { kind: 'app', tenant, appId: claims.appid } };
}

function tokenDiagnostics(error: unknown, token: string): string {
  if (error instanceof joseErrors.JWTExpired) return DIAGNOSTICS.expired;
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
    return DIAGNOSTICS.audience(audienceOf(token));
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) return DIAGNOSTICS.expired;
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  ) {
    return DIAGNOSTICS.badSignature;
  }
  return DIAGNOSTICS.malformed;
}

function audienceOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      aud?: unknown;
    };
    return typeof payload.aud === 'string' ? payload.aud : '';
  } catch {
    return '';
  }
}

/** IIS answers a failed Basic logon with 401.1, offering every enabled scheme. */
export function basicRejection(ctx: SandboxContext): HttpRejection {
  const realm = new URL(ctx.urls.exchangeServer).hostname;
  return {
    status: 401,
    headers: { 'WWW-Authenticate': ['Negotiate', 'NTLM', `Basic realm="${realm}"`] },
    contentType: 'text/html',
    body:
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">' +
      '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head>' +
      '<body><div id="header"><h1>Server Error</h1></div><div id="content"><fieldset><h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>' +
      '<h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3></fieldset></div></body></html>',
  };
}

/**
 * A service account of an on-premises organisation by UPN or `DOMAIN\user`, if the password
 * matches. The organisation is the one the Host names (mail.fabrikam.com); on a bare address
 * (127.0.0.1) it is the account's own. An account of another organisation than the host's is refused.
 */
export function authenticateBasic(ctx: SandboxContext, headers: IncomingHttpHeaders): AuthResult {
  const match = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, rejection: basicRejection(ctx) };
  const byHost = ctx.index.serverOrganisationForHost(headers.host ?? '');
  const named = accountOf(ctx, decoded.slice(0, colon));
  const tenant = byHost ?? named?.tenant;
  const account = named ? ctx.exchange.serviceAccount(named.upn) : undefined;
  if (
    !tenant ||
    !account ||
    named?.tenant.id !== tenant.id ||
    account.password !== decoded.slice(colon + 1)
  ) {
    return { ok: false, rejection: basicRejection(ctx) };
  }
  return { ok: true, caller: { kind: 'serviceAccount', tenant, account } };
}

/**
 * The on-premises organisation and UPN a logon name means: `svc-ews@fabrikam.com` by the user's
 * organisation, `FABRIKAM\svc-ews` by NetBIOS name (the first label of the primary domain).
 */
function accountOf(ctx: SandboxContext, user: string): { tenant: SeedTenant; upn: string } | undefined {
  const slash = user.indexOf('\\');
  if (slash < 0) {
    const found = ctx.index.user(user);
    return found?.tenant.exchange.kind === 'server'
      ? { tenant: found.tenant, upn: found.user.upn }
      : undefined;
  }
  const tenant = ctx.index.serverOrganisationForNetbios(user.slice(0, slash));
  const primary = tenant?.domains[0];
  return tenant && primary ? { tenant, upn: `${user.slice(slash + 1)}@${primary}`.toLowerCase() } : undefined;
}
