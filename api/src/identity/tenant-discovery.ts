/**
 * A tenant named by a verified domain (contoso.com) or its id: Entra's OpenID discovery document
 * for `<authority>/<domain>/v2.0` names the tenant in its issuer, `https://<host>/<tenant id>/v2.0`.
 * One GET through the app's Entra transport (the outbound policy: TLS trust, size cap, deadline).
 */
import type { INetworkModule } from '@azure/msal-node';
import { z } from 'zod';
import { ExchangeConnectError } from '../errors';
import { remediationFor } from '../remediation';
import { isDomainName } from '../exchange/addresses';
import { toExchangeConnectError } from './msal-errors';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TENANT_GUID = new RegExp(`^${GUID}$`, 'i');

/**
 * The issuer's first path segment is the tenant id. Its host is not compared with the authority's:
 * national clouds issue under another host than the one they are asked on.
 */
const ISSUER = new RegExp(`^https://[^/]+/(${GUID})/v2\\.0/?$`, 'i');

const discoveryDocument = z.object({ issuer: z.string() });
const entraError = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
});

export function isTenantId(value: string): boolean {
  return TENANT_GUID.test(value);
}

/** A tenant id or a domain name: anything else is never put into a URL. */
export function isTenantName(value: string): boolean {
  return isTenantId(value) || isDomainName(value);
}

export interface TenantDiscoveryDeps {
  /** `https://login.microsoftonline.com` or another cloud's (EC_AUTHORITY_HOST). */
  authorityHost: string;
  appId: string;
  /** The app's Entra transport (createMsalNetworkClient on the outbound policy). */
  transport: INetworkModule;
}

/** Resolves a tenant GUID or verified domain to the tenant id (lower case); a GUID is not looked up. */
export async function resolveTenantId(deps: TenantDiscoveryDeps, name: string): Promise<string> {
  const ctx = { appId: deps.appId, tenantId: name };
  if (isTenantId(name)) return name.toLowerCase();
  if (!isDomainName(name)) {
    throw new ExchangeConnectError({
      kind: 'tenant_not_found',
      code: 'invalid_tenant',
      message: `'${name}' is not a tenant id or domain.`,
      remediation: remediationFor('tenant_not_found', ctx),
    });
  }
  const url = `${deps.authorityHost}/${encodeURIComponent(name.toLowerCase())}/v2.0/.well-known/openid-configuration`;
  let response;
  try {
    response = await deps.transport.sendGetRequestAsync<unknown>(url);
  } catch (error) {
    throw toExchangeConnectError(error, ctx);
  }
  if (response.status !== 200) throw failedDiscovery(response.status, response.body, name, ctx);
  const document = discoveryDocument.safeParse(response.body);
  const tenantId = document.success ? ISSUER.exec(document.data.issuer)?.[1] : undefined;
  if (!tenantId) {
    throw new ExchangeConnectError({
      kind: 'protocol_error',
      code: 'UnexpectedDiscoveryDocument',
      message: `Entra ID's discovery document for ${name} names no tenant in its issuer.`,
      remediation: remediationFor('protocol_error', { ...ctx, service: 'entra' }),
    });
  }
  return tenantId.toLowerCase();
}

/** Entra's answer for an unknown domain is HTTP 400 `invalid_tenant` with AADSTS90002. */
function failedDiscovery(
  status: number,
  body: unknown,
  name: string,
  ctx: { appId: string; tenantId: string },
): ExchangeConnectError {
  const error = entraError.safeParse(body);
  const codes = error.success ? (error.data.error_codes ?? []) : [];
  if (status >= 400 && status < 500 && status !== 429 && (codes.includes(90002) || codes.length === 0)) {
    return new ExchangeConnectError({
      kind: 'tenant_not_found',
      code: 'AADSTS90002',
      message: `Entra ID knows no tenant named ${name}.`,
      remediation: remediationFor('tenant_not_found', ctx),
    });
  }
  const kind = status === 429 ? 'throttled' : 'unreachable';
  return new ExchangeConnectError({
    kind,
    code: codes[0] !== undefined ? `AADSTS${codes[0]}` : `HTTP ${status}`,
    message: `Entra ID did not answer the discovery request for ${name} (HTTP ${status}).`,
    remediation: remediationFor(kind, { ...ctx, service: 'entra' }),
  });
}
