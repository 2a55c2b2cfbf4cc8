/**
 * App-only tokens with msal-node and our certificate: one ConfidentialClientApplication per tenant
 * (MSAL caches per instance, so one tenant's cache can never answer for another), at most
 * `maxTenantClients` of them (least recently used go first, with their cached tokens); concurrent
 * requests for the same tenant and scope coalesced into one network request (MSAL does not
 * coalesce), and every failure converted once into our error family.
 *
 * Cached tokens are served by MSAL (it asks Entra again 5 minutes before expiry). MSAL builds the
 * client assertion before it looks in its cache, so with its own certificate credential every
 * lookup costs a key parse and an RSA signature once its 10-minute assertion has lapsed (health
 * runs every 15). So MSAL is given a placeholder assertion, and our transport signs a fresh one only
 * for a request that really goes to Entra: a cache hit signs nothing, and no assertion (`jti`) is
 * ever presented twice, so a forced refresh can stay on the tenant's client.
 */
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import type { AppConfig } from '../config';
import { ExchangeConnectError } from '../errors';
import { remediationFor } from '../remediation';
import type { AccessTokenSource, AppToken, AppTokenProvider, TokenApi } from './port';
import { toExchangeConnectError } from './msal-errors';
import { createMsalNetworkClient } from './network-client';
import type { OutboundPolicy } from '../outbound/policy';
import { ClientAssertionSigner } from './client-assertion';
import { LruMap } from '../lru-map';

/** Exchange Online's EWS (full_access_as_app) and Microsoft Graph, each requested through `.default`. */
export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const SCOPE_OF: Record<TokenApi, string> = { ews: EXCHANGE_SCOPE, graph: GRAPH_SCOPE };

/** What MSAL assumes when a 429/5xx names no usable Retry-After, and the most it ever waits. */
const DEFAULT_THROTTLE_SECONDS = 60;
const MAX_THROTTLE_SECONDS = 3600;

/** A tenant GUID or verified domain: anything else must not become a URL path segment. */
const TENANT_ID = /^[0-9a-z][0-9a-z.-]{0,252}$/i;

export type TokenProviderConfig = Pick<AppConfig, 'authorityHost' | 'clientId' | 'appCertificate'>;

export interface MsalAppTokenProviderOptions {
  /** TLS trust, size cap and deadline of every request to Entra ID. */
  policy: OutboundPolicy;
  /** Replaces the transport built on `policy` (tests wrap it to count requests). */
  networkClient?: INetworkModule;
  timeoutMs?: number;
  /** Tenants whose client (and cached tokens) are kept; default DEFAULT_MAX_TENANT_CLIENTS. */
  maxTenantClients?: number;
}

/** Above the tenants one instance monitors, so a health pass finds every tenant's token cached. */
export const DEFAULT_MAX_TENANT_CLIENTS = 5_000;

/** What MSAL puts in `client_assertion`; our transport replaces it with a freshly signed assertion. */
const ASSERTION_SIGNED_AT_SEND = 'signed-by-the-transport';

interface TenantClient {
  app: ConfidentialClientApplication;
  /** Retry-After of the last 429/5xx, by the scope parameter MSAL sent. */
  retryAfterMs: Map<string, number>;
  /** Scopes Entra asked us to wait for (MSAL refuses them locally until then). */
  blocks: Map<string, Block>;
}

interface Block {
  untilMs: number;
  error: unknown;
}

/** Retry-After as msal-node's throttling reads it, so our wait ends when MSAL's does. */
function throttleMs(response: NetworkResponse<unknown>): number | undefined {
  const failed = response.status === 429 || (response.status >= 500 && response.status < 600);
  const header = Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (!failed && (header === undefined || (response.status >= 200 && response.status < 300)))
    return undefined;
  const seconds = parseInt(header ?? '', 10);
  const wait = Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_THROTTLE_SECONDS;
  return Math.min(wait, MAX_THROTTLE_SECONDS) * 1000;
}

/** What we report from an app-only token: its roles and our service principal (`oid`). */
function claimsOf(accessToken: string): Pick<AppToken, 'roles' | 'servicePrincipalId'> {
  try {
    const { roles, oid } = decodeJwt(accessToken);
    return {
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
      ...(typeof oid === 'string' && oid ? { servicePrincipalId: oid } : {}),
    };
  } catch {
    // Not a JWT we can read: Exchange verifies it; we only report what it says.
    return { roles: [] };
  }
}

export class MsalAppTokenProvider implements AppTokenProvider, AccessTokenSource {
  private readonly clients: LruMap<string, TenantClient>;
  private readonly inFlight = new Map<string, Promise<AppToken>>();
  private readonly transport: INetworkModule;
  private readonly signer: ClientAssertionSigner;

  constructor(
    private readonly config: TokenProviderConfig,
    options: MsalAppTokenProviderOptions,
  ) {
    this.signer = new ClientAssertionSigner(config.clientId, config.appCertificate);
    this.clients = new LruMap(options.maxTenantClients ?? DEFAULT_MAX_TENANT_CLIENTS);
    this.transport =
      options.networkClient ??
      createMsalNetworkClient(options.policy, {
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
  }

  async getAppToken(
    tenantId: string,
    api: TokenApi,
    options: { forceRefresh?: boolean } = {},
  ): Promise<AppToken> {
    return this.acquire(tenantId, SCOPE_OF[api], options.forceRefresh ?? false);
  }

  async getAccessToken(
    scope: string,
    tenantId: string,
  ): Promise<{ token: string; expiresOnTimestamp: number }> {
    const token = await this.acquire(tenantId, scope, false);
    return { token: token.accessToken, expiresOnTimestamp: token.expiresOn.getTime() };
  }

  private acquire(rawTenantId: string, scope: string, forceRefresh: boolean): Promise<AppToken> {
    const tenantId = rawTenantId.toLowerCase();
    const key = `${tenantId} ${scope} ${forceRefresh}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const request = this.request(tenantId, scope, forceRefresh).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }

  private async request(tenantId: string, scope: string, forceRefresh: boolean): Promise<AppToken> {
    const ctx = { appId: this.config.clientId, tenantId };
    if (!TENANT_ID.test(tenantId)) {
      throw new ExchangeConnectError({
        kind: 'tenant_not_found',
        code: 'invalid_tenant',
        message: `'${tenantId}' is not a tenant id or domain.`,
        remediation: remediationFor('tenant_not_found', ctx),
      });
    }
    const client = this.clientFor(tenantId);
    // MSAL refuses identical requests until Retry-After has passed; say how long, from our side.
    const block = client.blocks.get(scope);
    if (block && block.untilMs > Date.now()) {
      throw toExchangeConnectError(block.error, { ...ctx, retryAfterMs: block.untilMs - Date.now() });
    }
    client.blocks.delete(scope);

    try {
      // A forced refresh asks Entra and puts the new token in the cache, replacing the old one.
      const result = await client.app.acquireTokenByClientCredential({
        scopes: [scope],
        ...(forceRefresh ? { skipCache: true } : {}),
      });
      if (!result?.accessToken) {
        throw new ExchangeConnectError({
          kind: 'unexpected',
          code: 'empty_access_token',
          message: `Entra ID answered the token request for tenant ${tenantId} without an access token.`,
          remediation: remediationFor('unexpected', ctx),
        });
      }
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn ?? new Date(),
        ...claimsOf(result.accessToken),
      };
    } catch (error) {
      const retryAfterMs = [...client.retryAfterMs].find(([sent]) => sent.split(' ').includes(scope))?.[1];
      client.retryAfterMs.clear();
      if (retryAfterMs !== undefined) client.blocks.set(scope, { untilMs: Date.now() + retryAfterMs, error });
      throw toExchangeConnectError(error, {
        ...ctx,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
  }

  private clientFor(tenantId: string): TenantClient {
    const existing = this.clients.get(tenantId);
    if (existing) return existing;
    const retryAfterMs = new Map<string, number>();
    const authority = `${this.config.authorityHost}/${tenantId}`;
    const { transport, signer } = this;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: this.config.clientId,
        authority,
        // A known authority with its endpoints given: MSAL attempts no instance or OIDC discovery,
        // so an unknown tenant reaches the token endpoint and comes back as AADSTS90002.
        knownAuthorities: [new URL(this.config.authorityHost).host],
        authorityMetadata: JSON.stringify({
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
          issuer: `${authority}/v2.0`,
        }),
        // MSAL calls this for every lookup, cache hits included: the real one is signed at send.
        clientAssertion: () => Promise.resolve(ASSERTION_SIGNED_AT_SEND),
      },
      system: {
        networkClient: {
          sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
            transport.sendGetRequestAsync<T>(url, options, timeout),
          sendPostRequestAsync: async <T>(url: string, options?: NetworkRequestOptions) => {
            const signed = await withSignedAssertion(signer, url, options);
            const response = await transport.sendPostRequestAsync<T>(url, signed);
            const wait = throttleMs(response);
            if (wait !== undefined) {
              retryAfterMs.set(new URLSearchParams(options?.body ?? '').get('scope') ?? '', wait);
            }
            return response;
          },
        },
      },
    });
    const client = { app, retryAfterMs, blocks: new Map<string, Block>() };
    this.clients.set(tenantId, client);
    return client;
  }
}

/** The token request with MSAL's placeholder replaced by an assertion signed for its endpoint. */
async function withSignedAssertion(
  signer: ClientAssertionSigner,
  url: string,
  options: NetworkRequestOptions | undefined,
): Promise<NetworkRequestOptions | undefined> {
  const body = new URLSearchParams(options?.body ?? '');
  if (body.get('client_assertion') !== ASSERTION_SIGNED_AT_SEND) return options;
  // `aud` is the token endpoint itself, without the query MSAL appends.
  const endpoint = new URL(url);
  endpoint.search = '';
  body.set('client_assertion', await signer.sign(endpoint.toString()));
  return { ...options, body: body.toString() };
}
