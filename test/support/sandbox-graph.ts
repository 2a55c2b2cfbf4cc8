/**
 * Tokens from the sandbox Entra ID through the real msal-node (certificate client credentials, a
 * fresh client per call so nothing is cached), and small Microsoft Graph calls over real HTTPS.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { certificateThumbprints } from '../../scripts/dev-certs';
import { createMsalNetworkClient } from './msal-network';
import { httpsJson, type TestSandbox } from './sandbox';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

/** An app-only token for `scope` in `tenant`, as the app gets one (a new MSAL client: never cached). */
export async function appToken(sandbox: TestSandbox, tenant: string, scope: string): Promise<string> {
  const client = new ConfidentialClientApplication({
    auth: {
      clientId: sandbox.context.seed.app.clientId,
      authority: `${sandbox.urls.entra}/${tenant}`,
      knownAuthorities: [new URL(sandbox.urls.entra).host],
      clientCertificate: {
        thumbprintSha256: certificateThumbprints(sandbox.certs.appCertPem).sha256,
        privateKey: sandbox.certs.appKeyPem,
      },
    },
    system: { networkClient: createMsalNetworkClient(sandbox.agent) },
  });
  const result = await client.acquireTokenByClientCredential({ scopes: [scope] });
  if (!result?.accessToken) throw new Error('MSAL returned no access token');
  return result.accessToken;
}

export const rolesOf = (token: string) => (decodeJwt(token).roles as string[] | undefined) ?? [];

export interface GraphErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}

export type GraphResult<T> = Awaited<ReturnType<typeof httpsJson<T>>>;

/** A Graph v1.0 call: `path` below the version, or an absolute URL (an `@odata.nextLink`). */
export function graph<T = Record<string, unknown>>(
  sandbox: TestSandbox,
  token: string | undefined,
  path: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<GraphResult<T>> {
  const url = path.startsWith('https://') ? path : `${sandbox.urls.graph}/v1.0${path}`;
  return httpsJson<T>(sandbox.agent, url, options.method ?? 'GET', options.body, {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...options.headers,
  });
}

/** Polls in-process state until `done()` holds (no wall-clock assertion, only a bound on a hang). */
export async function until(done: () => boolean, what: string, maxIterations = 2000): Promise<void> {
  for (let i = 0; i < maxIterations; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
