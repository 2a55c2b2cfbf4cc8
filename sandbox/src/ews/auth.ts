/**
 * Who is calling EWS, decided before any SOAP is read, as Exchange's front end does:
 * Exchange Online takes app-only Bearer tokens from Entra ID; Exchange Server (IIS) takes Basic
 * credentials of a service account.
 */
import { errors as joseErrors } from 'jose';
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxContext } from '../context';
import { RESOURCES, verifyAppOnlyToken } from '../access-tokens';
import type { ServiceAccount } from '../exchange-state';
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

/** The organisation served on this origin: Contoso on Exchange Online, Fabrikam on Exchange Server. */
export function organisationTenant(ctx: SandboxContext, organisation: Organisation): SeedTenant {
  const tenant = ctx.seed.tenants.find((t) => t.exchange.kind === organisation);
  if (!tenant) throw new Error(`The seed has no organisation on Exchange ${organisation}.`);
  return tenant;
}

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

export async function authenticateOnline(
  ctx: SandboxContext,
  headers: IncomingHttpHeaders,
): Promise<AuthResult> {
  const tenant = organisationTenant(ctx, 'online');
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match?.[1]) return { ok: false, rejection: bearerRejection() };
  const token = match[1];
  let claims;
  try {
    claims = await verifyAppOnlyToken(ctx, token, RESOURCES.exchange);
  } catch (error) {
    return { ok: false, rejection: bearerRejection(tokenDiagnostics(error, token)) };
  }
  if (claims.tid !== tenant.id) return { ok: false, rejection: bearerRejection(DIAGNOSTICS.tenant) };
  if (!claims.roles?.includes('full_access_as_app')) {
    return { ok: false, rejection: bearerRejection(DIAGNOSTICS.noPermissions) };
  }
  // Since 2026-10-01 Exchange Online refuses EWS to apps the organisation has not allowed
  // (EwsEnabled + EwsAllowedAppIDs). Microsoft documents the result as HTTP 403 Forbidden with no
  // SOAP body (the same answer as the license block and the pre-retirement "scream tests").
  if (!ctx.exchange.ewsAllowsApp(tenant.id, claims.appid)) {
    return { ok: false, rejection: { status: 403, headers: {}, body: '' } };
  }
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

/** A service account of the on-premises organisation by UPN or `DOMAIN\user`, if the password matches. */
export function authenticateBasic(ctx: SandboxContext, headers: IncomingHttpHeaders): AuthResult {
  const tenant = organisationTenant(ctx, 'server');
  const match = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, rejection: basicRejection(ctx) };
  const upn = toUpn(tenant, decoded.slice(0, colon));
  const account = upn ? ctx.exchange.serviceAccount(upn) : undefined;
  const inTenant = account && tenant.users.some((u) => u.upn === account.upn);
  if (!account || !inTenant || account.password !== decoded.slice(colon + 1)) {
    return { ok: false, rejection: basicRejection(ctx) };
  }
  return { ok: true, caller: { kind: 'serviceAccount', tenant, account } };
}

/** `FABRIKAM\svc-ews` → `svc-ews@fabrikam.com`: the NetBIOS name is the first label of the primary domain. */
function toUpn(tenant: SeedTenant, user: string): string | undefined {
  const slash = user.indexOf('\\');
  if (slash < 0) return user.toLowerCase();
  const primary = tenant.domains[0] ?? '';
  const netbios = primary.split('.')[0] ?? '';
  if (user.slice(0, slash).toLowerCase() !== netbios.toLowerCase()) return undefined;
  return `${user.slice(slash + 1)}@${primary}`.toLowerCase();
}
