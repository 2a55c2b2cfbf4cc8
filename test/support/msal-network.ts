/**
 * An msal-node network client over `https.Agent({ ca })`: MSAL 7 uses the global fetch, which has
 * no CA option, so a private CA is trusted by handing MSAL this module as `system.networkClient`.
 */
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

const DEFAULT_TIMEOUT_MS = 30_000;

function send<T>(
  agent: https.Agent,
  method: 'GET' | 'POST',
  url: string,
  options: NetworkRequestOptions = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<NetworkResponse<T>> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, agent, headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        try {
          // MSAL reads the error fields of non-2xx bodies too, so every status hands back parsed JSON.
          resolve({ headers, status: response.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
        } catch (error) {
          reject(new Error(`Non-JSON response (${response.statusCode}) from ${url}`, { cause: error }));
        }
      });
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`Request to ${url} timed out`)));
    request.on('error', reject);
    if (method === 'POST' && options.body !== undefined) request.write(options.body);
    request.end();
  });
}

export function createMsalNetworkClient(agent: https.Agent): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      send<T>(agent, 'GET', url, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(agent, 'POST', url, options),
  };
}
