/**
 * Entra's signing keys per tenant (`{authority}/{tid}/discovery/v2.0/keys`), through jose's remote
 * JWKS (cache age, cool-down before a refetch for an unknown `kid`, key selection) over the
 * outbound policy's transport, with the rules a public endpoint needs on top:
 * - a tenant Entra does not know is remembered for a while (no fetch per made-up `tid`);
 * - fetches are capped globally, in rate and in concurrency, so a flood of tokens naming random
 *   tenants cannot become a flood of requests to Entra;
 * - at most `maxTenants` tenants are kept (least recently used go first);
 * - when Entra throttles or fails, the keys last fetched keep working until it answers again.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import type { INetworkModule } from '@azure/msal-node';
import { ExchangeConnectError } from '../errors';
import { remediationFor } from '../remediation';
import { SsoTokenError } from './errors';
import { toExchangeConnectError } from './msal-errors';
import { LruMap } from '../lru-map';

export const DEFAULT_JWKS_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_JWKS_MIN_REFRESH_MS = 5 * 60 * 1000;

export interface JwksCachePolicy {
  /** How long fetched keys are used before they are fetched again. */
  ttlMs: number;
  /** The least time between two fetches of one tenant's keys for an unknown `kid`. */
  minRefreshMs: number;
  /** How long a tenant Entra has no keys for is refused without asking again. */
  unknownTenantMs: number;
  /** Fetches per `fetchWindowMs`, across all tenants. */
  maxFetchesPerWindow: number;
  fetchWindowMs: number;
  /** Fetches in flight at once, across all tenants. */
  maxConcurrentFetches: number;
  /** Tenants whose keys are kept. */
  maxTenants: number;
}

export const DEFAULT_JWKS_CACHE_POLICY: JwksCachePolicy = {
  ttlMs: DEFAULT_JWKS_TTL_MS,
  minRefreshMs: DEFAULT_JWKS_MIN_REFRESH_MS,
  unknownTenantMs: 10 * 60 * 1000,
  maxFetchesPerWindow: 20,
  fetchWindowMs: 10_000,
  maxConcurrentFetches: 4,
  maxTenants: 5_000,
};

export interface JwksCacheOptions {
  authorityHost: string;
  appId: string;
  transport: INetworkModule;
  now: () => number;
  policy?: Partial<JwksCachePolicy>;
}

interface TenantKeys {
  remote: RemoteJWKSet;
}

class FetchLimiter {
  private readonly started: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly policy: JwksCachePolicy,
    private readonly now: () => number,
  ) {}

  /** Takes a slot, or answers false when the global rate or concurrency cap is reached. */
  tryStart(): boolean {
    const since = this.now() - this.policy.fetchWindowMs;
    while (this.started.length > 0 && (this.started[0] ?? 0) <= since) this.started.shift();
    if (this.started.length >= this.policy.maxFetchesPerWindow) return false;
    if (this.inFlight >= this.policy.maxConcurrentFetches) return false;
    this.started.push(this.now());
    this.inFlight += 1;
    return true;
  }

  done(): void {
    this.inFlight -= 1;
  }
}

export class TenantJwksCache {
  private readonly tenants: LruMap<string, TenantKeys>;
  /** Bounded too: a flood of made-up tenants must not grow this map without end. */
  private readonly unknownUntil: LruMap<string, number>;
  private readonly policy: JwksCachePolicy;
  private readonly limiter: FetchLimiter;

  constructor(private readonly options: JwksCacheOptions) {
    this.policy = { ...DEFAULT_JWKS_CACHE_POLICY, ...options.policy };
    this.limiter = new FetchLimiter(this.policy, options.now);
    this.tenants = new LruMap(this.policy.maxTenants);
    this.unknownUntil = new LruMap(this.policy.maxTenants);
  }

  /** The tenant's key lookup for jwtVerify; throws SsoTokenError for a tenant Entra does not know. */
  keysFor(tenantId: string): JWTVerifyGetKey {
    const until = this.unknownUntil.get(tenantId);
    if (until !== undefined) {
      if (until > this.options.now()) throw this.unknownTenant(tenantId);
      this.unknownUntil.delete(tenantId);
    }
    const entry = this.entry(tenantId);
    return async (header, token) => {
      try {
        return await entry.remote(header, token);
      } catch (error) {
        // No key of the tenant's set signed it: the token's problem, not Entra's.
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
          throw error;
        }
        if (error instanceof SsoTokenError) {
          this.forget(tenantId);
          throw error;
        }
        const stale = entry.remote.jwks();
        // Entra throttled, failed, timed out or was not asked (cap reached): the last keys still verify.
        if (stale) return createLocalJWKSet(stale)(header, token);
        if (error instanceof ExchangeConnectError) throw error;
        throw new ExchangeConnectError(
          {
            kind: 'unreachable',
            code: 'SigningKeysUnavailable',
            message: "Entra ID's signing keys could not be read.",
            remediation: remediationFor('unreachable', { appId: this.options.appId, service: 'entra' }),
          },
          { cause: error },
        );
      }
    };
  }

  private entry(tenantId: string): TenantKeys {
    const existing = this.tenants.get(tenantId);
    if (existing) return existing;
    const url = new URL(`${this.options.authorityHost}/${tenantId}/discovery/v2.0/keys`);
    const created: TenantKeys = {
      remote: createRemoteJWKSet(url, {
        cacheMaxAge: this.policy.ttlMs,
        cooldownDuration: this.policy.minRefreshMs,
        [customFetch]: this.fetcher(tenantId),
      }),
    };
    this.tenants.set(tenantId, created);
    return created;
  }

  /** jose's fetch, on our transport and limiter; it throws our errors, which jose passes on. */
  private fetcher(tenantId: string): FetchImplementation {
    const ctx = { appId: this.options.appId, tenantId };
    return async (url) => {
      if (!this.limiter.tryStart()) {
        throw new ExchangeConnectError({
          kind: 'throttled',
          code: 'SigningKeyFetchesCapped',
          message: 'Too many sign-in key downloads from Entra ID right now; try again in a moment.',
          remediation: remediationFor('throttled', { ...ctx, service: 'entra' }),
          retryAfterMs: this.policy.fetchWindowMs,
        });
      }
      let response;
      try {
        response = await this.options.transport.sendGetRequestAsync<unknown>(url);
      } catch (error) {
        throw toExchangeConnectError(error, ctx);
      } finally {
        this.limiter.done();
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        // Entra does not know the tenant the token claims: no key can have signed it.
        throw this.unknownTenant(tenantId);
      }
      if (response.status !== 200) {
        const kind = response.status === 429 ? 'throttled' : 'unreachable';
        throw new ExchangeConnectError({
          kind,
          code: `HTTP ${response.status}`,
          message: `Entra ID's signing keys could not be read (HTTP ${response.status}).`,
          remediation: remediationFor(kind, { ...ctx, service: 'entra' }),
        });
      }
      return new Response(JSON.stringify(response.body), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
  }

  private forget(tenantId: string): void {
    this.tenants.delete(tenantId);
    this.unknownUntil.set(tenantId, this.options.now() + this.policy.unknownTenantMs);
  }

  private unknownTenant(tenantId: string): SsoTokenError {
    return new SsoTokenError('issuer', `Entra ID has no signing keys for tenant '${tenantId}'.`);
  }
}
