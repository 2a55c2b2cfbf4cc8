/**
 * The HTTPS transport for msal-node (and the JWKS download): MSAL 7 sends with the global fetch,
 * which has no CA option and reports every TLS or socket failure as a bare "fetch failed". Handing
 * MSAL this INetworkModule lets a private CA be trusted through configuration (never through
 * NODE_EXTRA_CA_CERTS in app code), puts a timeout on every request, and keeps the real reason a
 * request failed (untrusted certificate, refused connection, timeout) for the diagnostic.
 */
import https from 'node:https';
import { transportFailureKind } from '../transport-failure';
import { rootCertificates } from 'node:tls';
import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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

/**
 * An agent trusting the public CAs plus `caPem` (the sandbox CA in development): `ca` replaces
 * Node's default store, so the public roots are listed explicitly to extend it instead.
 */
export function createHttpsAgent(caPem?: string): https.Agent {
  return new https.Agent({ keepAlive: true, ...(caPem ? { ca: [...rootCertificates, caPem] } : {}) });
}

function send<T>(
  agent: https.Agent,
  method: 'GET' | 'POST',
  url: string,
  options: NetworkRequestOptions,
  timeoutMs: number,
): Promise<NetworkResponse<T>> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, agent, headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(transportFailure(url, error)));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const status = response.statusCode ?? 0;
        try {
          // MSAL reads the error fields of non-2xx bodies too, so every status hands back parsed JSON.
          resolve({ headers, status, body: (text ? JSON.parse(text) : {}) as T });
        } catch {
          reject(
            new NetworkTransportError(
              'malformed_response',
              url,
              `HTTP ${status}`,
              `${url} answered HTTP ${status} with a body that is not JSON.`,
            ),
          );
        }
      });
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(
        new NetworkTransportError(
          'timeout',
          url,
          'ETIMEDOUT',
          `${url} did not answer within ${timeoutMs} ms.`,
        ),
      ),
    );
    request.on('error', (error) =>
      reject(error instanceof NetworkTransportError ? error : transportFailure(url, error)),
    );
    if (method === 'POST' && options.body !== undefined) request.write(options.body);
    request.end();
  });
}

export interface NetworkClientOptions {
  /** Per request; MSAL passes its own only for GETs, and a shorter one wins. */
  timeoutMs?: number;
}

export function createMsalNetworkClient(
  agent: https.Agent,
  options: NetworkClientOptions = {},
): INetworkModule {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    sendGetRequestAsync: <T>(url: string, requestOptions?: NetworkRequestOptions, timeout?: number) =>
      send<T>(
        agent,
        'GET',
        url,
        requestOptions ?? {},
        timeout && timeout > 0 ? Math.min(timeout, timeoutMs) : timeoutMs,
      ),
    sendPostRequestAsync: <T>(url: string, requestOptions?: NetworkRequestOptions) =>
      send<T>(agent, 'POST', url, requestOptions ?? {}, timeoutMs),
  };
}
