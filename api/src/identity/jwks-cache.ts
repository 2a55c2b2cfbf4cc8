/**
 * Entra's signing keys per tenant (`{authority}/{tid}/discovery/v2.0/keys`), fetched over the
 * CA-aware agent, kept for a TTL, and refreshed early at most once per interval when a token names a
 * key we do not have (Entra rolls its keys; a flood of made-up `kid`s must not become a flood of GETs).
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { INetworkModule } from '@azure/msal-node';
import { ExchangeConnectError } from '../errors';
import { remediationFor } from '../remediation';
import { SsoTokenError } from './errors';
import { toExchangeConnectError } from './msal-errors';

export const DEFAULT_JWKS_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_JWKS_MIN_REFRESH_MS = 5 * 60 * 1000;

interface Entry {
  keys: JWTVerifyGetKey;
  kids: Set<string>;
  fetchedAtMs: number;
}

export interface JwksCacheOptions {
  authorityHost: string;
  appId: string;
  transport: INetworkModule;
  now: () => number;
  ttlMs?: number;
  minRefreshMs?: number;
}

function isKeySet(body: unknown): body is JSONWebKeySet {
  return typeof body === 'object' && body !== null && 'keys' in body && Array.isArray(body.keys);
}

export class TenantJwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly options: JwksCacheOptions) {}

  /** The tenant's key set, holding `kid` when Entra publishes it. */
  async keysFor(tenantId: string, kid: string | undefined): Promise<JWTVerifyGetKey> {
    const now = this.options.now();
    let entry = this.entries.get(tenantId);
    const stale = !entry || now - entry.fetchedAtMs >= (this.options.ttlMs ?? DEFAULT_JWKS_TTL_MS);
    const unknownKid =
      entry !== undefined &&
      kid !== undefined &&
      !entry.kids.has(kid) &&
      now - entry.fetchedAtMs >= (this.options.minRefreshMs ?? DEFAULT_JWKS_MIN_REFRESH_MS);
    if (stale || unknownKid) entry = await this.load(tenantId);
    return entry!.keys;
  }

  private load(tenantId: string): Promise<Entry> {
    const pending = this.loading.get(tenantId);
    if (pending) return pending;
    const loading = this.fetch(tenantId).finally(() => this.loading.delete(tenantId));
    this.loading.set(tenantId, loading);
    return loading;
  }

  private async fetch(tenantId: string): Promise<Entry> {
    const url = `${this.options.authorityHost}/${tenantId}/discovery/v2.0/keys`;
    const ctx = { appId: this.options.appId, tenantId };
    let response;
    try {
      response = await this.options.transport.sendGetRequestAsync<unknown>(url);
    } catch (error) {
      throw toExchangeConnectError(error, ctx);
    }
    if (response.status >= 400 && response.status < 500) {
      // Entra does not know the tenant the token claims: no key can have signed it.
      throw new SsoTokenError('issuer', `Entra ID has no signing keys for tenant '${tenantId}'.`);
    }
    if (response.status !== 200 || !isKeySet(response.body)) {
      throw new ExchangeConnectError({
        kind: 'unreachable',
        code: `HTTP ${response.status}`,
        message: `Entra ID's signing keys (${url}) could not be read (HTTP ${response.status}).`,
        remediation: remediationFor('unreachable', { ...ctx, service: 'entra' }),
      });
    }
    const keySet = response.body;
    const entry: Entry = {
      keys: createLocalJWKSet(keySet),
      kids: new Set(keySet.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : []))),
      fetchedAtMs: this.options.now(),
    };
    this.entries.set(tenantId, entry);
    return entry;
  }
}
