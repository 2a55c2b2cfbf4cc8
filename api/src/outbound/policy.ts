/**
 * The one outbound policy, built once from configuration and handed to every adapter: which CAs
 * are trusted (one TLS secure context for the whole process), where credentials may go (https,
 * public addresses, re-checked at connect time), the development host map, and the size cap and
 * deadline of each kind of request. Every unsafe switch is a `dangerously…` configuration value.
 */
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { RemediationContext } from '../remediation';
import { assertSafeEwsUrl, guardedLookup, systemResolver, type HostResolver } from './endpoint-policy';
import { mappedResolver, type HostMap } from './host-mapping';
import type { RequestLimits } from './bounded-request';

const MiB = 1024 * 1024;

/** What each adapter may receive and how long it may take, per request. */
export const OUTBOUND_LIMITS = {
  /** EWS answers of the few operations we send are small; a room list of 1,500 rooms is ~1 MB. */
  ews: { maxResponseBytes: 5 * MiB, deadlineMs: 30_000 },
  autodiscover: { maxResponseBytes: 1 * MiB, deadlineMs: 15_000 },
  graph: { maxResponseBytes: 5 * MiB, deadlineMs: 30_000 },
  entra: { maxResponseBytes: 1 * MiB, deadlineMs: 30_000 },
  keyVault: { maxResponseBytes: 1 * MiB, deadlineMs: 15_000 },
} as const satisfies Record<string, RequestLimits>;
export type OutboundTarget = keyof typeof OUTBOUND_LIMITS;

/**
 * Connections are reused, and an idle one is closed after 30 s — or a second before the server's
 * own `Keep-Alive: timeout=N`, which Node's Agent honours only when it has an idle timeout of its
 * own. Otherwise a free socket lives until the server drops it, and a write sent at that moment is
 * reset (and, not being safe to repeat, fails). 30 s is below IIS's 120 s and Azure's 4 minutes.
 * (The agent's timeout only emits an event on a busy socket; the deadline of each request stays
 * boundedRequest's.)
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 30_000 } as const;

export interface OutboundPolicyOptions {
  /** Extra CA certificates (PEM) trusted beside Node's public roots: a TLS-inspecting proxy, the sandbox. */
  caPem?: string;
  /** Development only: lets credentials go to loopback and private addresses. */
  dangerouslyAllowPrivateHosts: boolean;
  /** Development only: host name → address (and port) instead of DNS. */
  dangerouslyResolveHosts: HostMap;
  /** Development only: Key Vault outside *.vault.azure.net (the SDK's challenge-resource check is off). */
  dangerouslySkipKeyVaultResourceCheck: boolean;
  /** Overrides per target (tests shorten deadlines). */
  limits?: Partial<Record<OutboundTarget, Partial<RequestLimits>>>;
  resolveHost?: HostResolver;
}

export class OutboundPolicy {
  /** One secure context for every TLS connection: Node's roots plus the configured CA. */
  readonly secureContext: SecureContext;
  readonly dangerouslySkipKeyVaultResourceCheck: boolean;
  private readonly resolve: HostResolver;
  private customerAgent: https.Agent | undefined;
  private serviceAgent: https.Agent | undefined;

  constructor(private readonly options: OutboundPolicyOptions) {
    // Node's bundled public roots plus the configured CA, and nothing else: NODE_EXTRA_CA_CERTS (set
    // for botbuilder in development) never widens where credentials go. Built once: an agent given
    // `ca` strings rebuilds a pool key from every root certificate on each request (15–24 % of CPU
    // in EWS-heavy runs).
    this.secureContext = createSecureContext({
      ca: [...rootCertificates, ...(options.caPem ? [options.caPem] : [])],
    });
    this.dangerouslySkipKeyVaultResourceCheck = options.dangerouslySkipKeyVaultResourceCheck;
    this.resolve = mappedResolver(options.dangerouslyResolveHosts, options.resolveHost ?? systemResolver);
  }

  /** The limits of one kind of request. */
  limits(target: OutboundTarget): RequestLimits {
    return { ...OUTBOUND_LIMITS[target], ...this.options.limits?.[target] };
  }

  /**
   * For endpoints an admin named or Autodiscover found (EWS, Autodiscover), which get credentials:
   * every connection's address is judged again at connect time (DNS rebinding).
   */
  customerEndpointAgent(): https.Agent {
    this.customerAgent ??= new https.Agent({
      ...KEEP_ALIVE,
      secureContext: this.secureContext,
      lookup: guardedLookup(this.options.dangerouslyAllowPrivateHosts, this.options.dangerouslyResolveHosts),
    });
    return this.customerAgent;
  }

  /** For Microsoft's own configured endpoints (Entra ID, Graph, Key Vault). */
  microsoftServiceAgent(): https.Agent {
    this.serviceAgent ??= new https.Agent({
      ...KEEP_ALIVE,
      secureContext: this.secureContext,
    });
    return this.serviceAgent;
  }

  /** Resolves the URL's host and returns the URL when credentials may be sent to it; throws otherwise. */
  assertCredentialsMayGoTo(url: string, remediation?: RemediationContext): Promise<URL> {
    return assertSafeEwsUrl(url, {
      dangerouslyAllowPrivateHosts: this.options.dangerouslyAllowPrivateHosts,
      resolve: this.resolve,
      ...(remediation ? { remediation } : {}),
    });
  }

  /** The port to connect to: a mapped development host without a port of its own uses the mapping's. */
  connectPort(url: URL): number | undefined {
    if (url.port) return undefined;
    return this.options.dangerouslyResolveHosts.get(url.hostname.toLowerCase())?.port;
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.customerAgent?.destroy();
    this.serviceAgent?.destroy();
  }
}
