/**
 * App-only tokens with msal-node and our certificate: one ConfidentialClientApplication per tenant
 * (MSAL caches per instance), concurrent requests for the same tenant and scope coalesced into one
 * network request (MSAL does not coalesce), and every failure converted once into our error family.
 */
import { createHash, X509Certificate, createPrivateKey } from 'node:crypto';
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
}

interface TenantClient {
  app: ConfidentialClientApplication;
  /** Retry-After of the last 429/5xx, by the scope parameter MSAL sent. */
  retryAfterMs: Map<string, number>;
}

interface Block {
  untilMs: number;
  error: unknown;
}

/** Hex SHA-256 of the certificate's DER, upper case and without colons, as MSAL and Entra expect. */
export function sha256Thumbprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex').toUpperCase();
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
  private readonly clients = new Map<string, TenantClient>();
  private readonly inFlight = new Map<string, Promise<AppToken>>();
  private readonly blocks = new Map<string, Block>();
  private readonly transport: INetworkModule;
  private readonly thumbprintSha256: string;

  constructor(
    private readonly config: TokenProviderConfig,
    options: MsalAppTokenProviderOptions,
  ) {
    const certificate = new X509Certificate(config.appCertificate.certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(config.appCertificate.keyPem))) {
      throw new Error('The app certificate and its private key do not belong together.');
    }
    this.thumbprintSha256 = sha256Thumbprint(config.appCertificate.certPem);
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
    // MSAL refuses identical requests until Retry-After has passed; say how long, from our side.
    const blockKey = `${tenantId} ${scope}`;
    const block = this.blocks.get(blockKey);
    if (block && block.untilMs > Date.now()) {
      throw toExchangeConnectError(block.error, { ...ctx, retryAfterMs: block.untilMs - Date.now() });
    }
    this.blocks.delete(blockKey);

    // A forced refresh gets a new client: MSAL re-presents its signed client assertion for up to
    // 10 minutes, and an authority enforcing one-time `jti` (as OpenID Connect allows, and the
    // sandbox does) refuses it. The new client's cache then holds the fresh token.
    if (forceRefresh) this.clients.delete(tenantId);
    const client = this.clientFor(tenantId);
    try {
      const result = await client.app.acquireTokenByClientCredential({ scopes: [scope] });
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
      if (retryAfterMs !== undefined)
        this.blocks.set(blockKey, { untilMs: Date.now() + retryAfterMs, error });
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
    const transport = this.transport;
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
        clientCertificate: {
          thumbprintSha256: this.thumbprintSha256,
          privateKey: this.config.appCertificate.keyPem,
        },
      },
      system: {
        networkClient: {
          sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
            transport.sendGetRequestAsync<T>(url, options, timeout),
          sendPostRequestAsync: async <T>(url: string, options?: NetworkRequestOptions) => {
            const response = await transport.sendPostRequestAsync<T>(url, options);
            const wait = throttleMs(response);
            if (wait !== undefined) {
              retryAfterMs.set(new URLSearchParams(options?.body ?? '').get('scope') ?? '', wait);
            }
            return response;
          },
        },
      },
    });
    const client = { app, retryAfterMs };
    this.clients.set(tenantId, client);
    return client;
  }
}
