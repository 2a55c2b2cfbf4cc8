/**
 * Starts a fresh sandbox tenant for one test file: ephemeral ports, the development
 * certificates, real HTTPS. Each file gets its own state, so tests never see each other's changes.
 */
import https from 'node:https';
import { ensureDevCertificates, type DevCertificates } from '../../scripts/dev-certs';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/src/sandbox';

export interface TestSandbox extends Sandbox {
  certs: DevCertificates;
  /** An agent that trusts the sandbox CA, for SDKs that accept one. */
  agent: https.Agent;
  /** JSON call to the `/_sandbox` control API. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** The password the seed gives a service account (svc-ews@fabrikam.com); throws if it has none. */
export function seededServicePassword(sandbox: Pick<Sandbox, 'context'>, upn: string): string {
  const user = sandbox.context.seed.tenants.flatMap((t) => t.users).find((u) => u.upn === upn);
  const password = user?.serviceAccount?.password;
  if (!password) throw new Error(`${upn} has no password in the seed`);
  return password;
}

export async function startTestSandbox(
  options: Partial<Omit<SandboxOptions, 'tls'>> = {},
): Promise<TestSandbox> {
  const certs = await ensureDevCertificates();
  const sandbox = await startSandbox({
    tls: { certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem, caCertPem: certs.caCertPem },
    appCertificatePems: [certs.appCertPem],
    // Nothing listens here: a test sandbox must never reach a developer's running `npm start`
    // (its Teams host installs the bot for whoever opens it). Tests with an app set their own.
    appBaseUrl: 'https://127.0.0.1:1',
    ...options,
  });
  // Tests also call the app (10 s keep-alive) with it: an idle timeout of its own makes Node honour
  // each server's Keep-Alive hint (as its global agent does), so no request meets a closing socket.
  const agent = new https.Agent({ ca: certs.caCertPem, keepAlive: true, timeout: 5_000 });
  return {
    ...sandbox,
    certs,
    agent,
    close: async () => {
      agent.destroy();
      await sandbox.close();
    },
    control: (method, path, body) => httpsJson(agent, `${sandbox.urls.home}/_sandbox${path}`, method, body),
  };
}

/** A small JSON-over-HTTPS client for tests that speak a protocol directly. */
export function httpsJson<T>(
  agent: https.Agent,
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = https.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload !== undefined && typeof body !== 'string'
            ? { 'content-type': 'application/json' }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: hand back the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
