/**
 * `npm run bench -- api`: the status endpoint (GET /api/integration, a Teams SSO token verified on
 * every request) of the app as a separate process on SQLite, loaded with autocannon at 10 and 50
 * connections for 10 s each. Requests/s, p99 latency, and requests/s per core: divided by the CPU
 * the app process used over the run (utime+stime ÷ wall), so the sandbox and autocannon, which share
 * the machine, do not count. One JSON line last.
 */
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { sandboxAppEnv } from '../scripts/sandbox-env';
import { issueSsoToken } from '../sandbox/src/entra/sso';
import { openSqliteStore } from '../api/src/store/sqlite/sqlite-store';
import { startTestSandbox } from '../test/support/sandbox';
import { startAppProcess } from '../test/support/app-process';

const DURATION_S = 10;
const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function main(): Promise<void> {
  const sandbox = await startTestSandbox();
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-api-'));
  const file = path.join(dir, 'exchange-connect.db');
  const agent = new https.Agent({ ca: sandbox.certs.caCertPem });
  const store = openSqliteStore({ file });
  await store.upsertTenant({ id: CONTOSO, displayName: 'Contoso' });
  await store.saveIntegration(
    {
      id: 'int-contoso',
      tenantId: CONTOSO,
      method: 'modern',
      protocol: 'graph',
      status: 'verified',
      verifiedMailbox: 'admin@contoso.com',
      verifiedAt: new Date().toISOString(),
    },
    { expectedVersion: 0 },
  );
  await store.close();
  const app = await startAppProcess(
    {
      ...sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
        EC_DATABASE_FILE: file,
        // Production's level: one request line per request is part of the cost.
        EC_LOG_LEVEL: 'info',
      }),
      NODE_EXTRA_CA_CERTS: sandbox.certs.paths.caCert,
    },
    agent,
  );
  const results: Record<string, unknown>[] = [];
  try {
    const token = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    const load = (connections: number, duration: number) =>
      autocannon({
        url: `${app.url}/api/integration`,
        connections,
        duration,
        headers: { authorization: `Bearer ${token}` },
        tlsOptions: { ca: sandbox.certs.caCertPem },
      });
    // Warm-up: JIT, the signing keys cached.
    await load(10, 2);
    for (const connections of [10, 50]) {
      const cpuBefore = cpuMs(app.pid);
      const result = await load(connections, DURATION_S);
      const cores = (cpuMs(app.pid) - cpuBefore) / (result.duration * 1000);
      // Only answered requests count: past maxRequestsPerSocket Node answers 503 and asks the client
      // to reconnect, which autocannon does not do at once, so those fast 503s are not throughput.
      const answeredPerSecond = (result.requests.total - result.non2xx) / result.duration;
      results.push({
        connections,
        requestsPerSecond: Math.round(answeredPerSecond),
        requestsPerSecondPerCore: Math.round(answeredPerSecond / Math.max(cores, 0.01)),
        appCores: Math.round(cores * 100) / 100,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    }
  } finally {
    await app.stop();
    agent.destroy();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const at = (c: number) => results.find((r) => r.connections === c);
  console.log(
    JSON.stringify({
      bench: 'api',
      endpoint: 'GET /api/integration',
      durationS: DURATION_S,
      c10: at(10),
      c50: at(50),
    }),
  );
}
