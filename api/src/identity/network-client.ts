/**
 * The HTTPS transport for msal-node (and the JWKS download): MSAL 7 sends with the global fetch,
 * which has no CA option and reports every TLS or socket failure as a bare "fetch failed". Handing
 * MSAL this INetworkModule lets a private CA be trusted through configuration (never through
 * NODE_EXTRA_CA_CERTS in app code), puts a timeout on every request, and keeps the real reason a
 * request failed (untrusted certificate, refused connection, timeout) for the diagnostic.
 */
import { transportFailureKind } from '../outbound/transport-failure';
import { boundedRequest, OutboundRequestError } from '../outbound/bounded-request';
import type { OutboundPolicy } from '../outbound/policy';
import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

export type TransportFailure = 'untrusted_certificate' | 'timeout' | 'unreachable' | 'malformed_response';

/**
 * A request that never produced an HTTP response. An AuthError, because msal-node re-throws
 * AuthErrors from the network module unchanged and replaces anything else with a bare network_error.
 */
export class NetworkTransportError extends AuthError {
  constructor(
    readonly failure: TransportFailure,
    readonly url: string,
    /** Node's error code (`SELF_SIGNED_CERT_IN_CHAIN`, `ECONNREFUSED`…) or our own. */
    readonly transportCode: string,
    detail: string,
  ) {
    super('network_error', '', detail);
    // AuthError resets the prototype to its own; restore ours so instanceof works.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'NetworkTransportError';
  }
}

function transportFailure(url: string, error: unknown): NetworkTransportError {
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : 'network_error';
  const text = error instanceof Error ? error.message : String(error);
  const failure =
    transportFailureKind(code) === 'untrusted_certificate' ? 'untrusted_certificate' : 'unreachable';
  return new NetworkTransportError(failure, url, code, `Request to ${url} failed: ${code} (${text})`);
}

function send<T>(
  policy: OutboundPolicy,
  method: 'GET' | 'POST',
  url: string,
  options: NetworkRequestOptions,
  deadlineMs: number,
): Promise<NetworkResponse<T>> {
  return boundedRequest({
    method,
    url: new URL(url),
    headers: options.headers ?? {},
    ...(method === 'POST' && options.body !== undefined ? { body: options.body } : {}),
    agent: policy.microsoftServiceAgent(),
    limits: { ...policy.limits('entra'), deadlineMs },
  }).then(
    (response) => {
      const text = response.body.toString('utf8');
      try {
        // MSAL reads the error fields of non-2xx bodies too, so every status hands back parsed JSON.
        return {
          headers: response.headers,
          status: response.status,
          body: (text ? JSON.parse(text) : {}) as T,
        };
      } catch {
        throw new NetworkTransportError(
          'malformed_response',
          url,
          `HTTP ${response.status}`,
          `${url} answered HTTP ${response.status} with a body that is not JSON.`,
        );
      }
    },
    (error: unknown) => {
      if (error instanceof OutboundRequestError && error.code === 'ETIMEDOUT') {
        throw new NetworkTransportError(
          'timeout',
          url,
          'ETIMEDOUT',
          `${url} did not answer within ${deadlineMs} ms.`,
        );
      }
      throw transportFailure(url, error);
    },
  );
}

export interface NetworkClientOptions {
  /** Per request; MSAL passes its own only for GETs, and a shorter one wins. */
  timeoutMs?: number;
}

/** MSAL's (and the JWKS download's) transport on the outbound policy: bounded, CA-aware. */
export function createMsalNetworkClient(
  policy: OutboundPolicy,
  options: NetworkClientOptions = {},
): INetworkModule {
  const deadlineMs = options.timeoutMs ?? policy.limits('entra').deadlineMs;
  return {
    sendGetRequestAsync: <T>(url: string, requestOptions?: NetworkRequestOptions, timeout?: number) =>
      send<T>(
        policy,
        'GET',
        url,
        requestOptions ?? {},
        timeout && timeout > 0 ? Math.min(timeout, deadlineMs) : deadlineMs,
      ),
    sendPostRequestAsync: <T>(url: string, requestOptions?: NetworkRequestOptions) =>
      send<T>(policy, 'POST', url, requestOptions ?? {}, deadlineMs),
  };
}
