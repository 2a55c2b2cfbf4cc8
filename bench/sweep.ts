/**
 * `npm run bench -- sweep [-- --tenants 500,1000,2000] [--modes sqlite,pg1,pg2]`: one full health pass over N generated
 * Exchange Online tenants × 10 rooms, each a verified Microsoft Graph integration seeded in the
 * store, with 25 ms injected on every Graph request. Three set-ups per N, each with a fresh
 * database and fresh app processes (`node --import tsx app/src/main.ts`, EC_HEALTH_CONCURRENCY=32):
 * SQLite in one process, PostgreSQL (pg-boss) in one and in two worker processes.
 *
 * Per run: wall time from the first "health checks started" to the last integration's run written;
 * the ideal (Graph requests counted at the sandbox × latency ÷ allowed concurrency = 32 × workers);
 * efficiency = ideal ÷ wall; peak RSS of the largest worker (VmHWM); CPU ms per check (utime+stime
 * of the workers over the pass ÷ checks). Ratios only, no assertions on time; the sandbox and the
 * database share the machine with the workers, which the figures include. One JSON line last.
 */
import https from 'node:https';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sandboxAppEnv } from '../scripts/sandbox-env';
import { generateSeed } from '../sandbox/src/seed-generator';
import type { SandboxService } from '../sandbox/src/faults';
import { openPostgresStore } from '../api/src/store/postgres/postgres-store';
import { openSqliteStore } from '../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../api/src/store/port';
import { startTestSandbox, type TestSandbox } from '../test/support/sandbox';
import { rawQuery, startThrowawayServer } from '../test/support/postgres';
import { consentAll, seedGraphIntegrations } from '../test/support/scale-seed';
import { startAppProcess, type AppProcess } from '../test/support/app-process';
import { waitFor } from '../test/support/wait-for';

const LATENCY_MS = 25;
const CONCURRENCY = 32;
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux

type Mode = 'sqlite' | 'postgres';
interface Result {
  tenants: number;
  store: Mode;
  workers: number;
  wallMs: number;
  requests: number;
  /** Requests Entra saw during the pass: token requests (a cold pass needs one per tenant; later passes reuse them). */
  tokenRequests: number;
  idealMs: number;
  efficiency: number;
  peakRssMb: number;
  cpuMsPerCheck: number;
  /** CPU of this process (the sandbox serving the requests, and the bench) per check. */
  sandboxCpuMsPerCheck: number;
  /** CPU of the PostgreSQL server processes per check (0 for SQLite, which runs in the worker). */
  databaseCpuMsPerCheck: number;
  /** Between the first and the last worker starting its health checks (counted in wallMs). */
  startSkewMs: number;
  /** PostgreSQL: pg-boss jobs by state at the end (retries show busy leases and failed runs). */
  jobs?: Record<string, number>;
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * utime+stime ticks of our PostgreSQL server's processes (the postmaster and its children, which
 * include every backend: they live as long as the pools), by pid. Other servers on the machine
 * (other people's test clusters) are left out.
 */
function databaseTicks(postmaster: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (pid === postmaster || parent === postmaster) ticks.set(pid, cpuTicks(pid));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

function databaseCpuMsSince(postmaster: number, before: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of databaseTicks(postmaster)) ticks += now - (before.get(pid) ?? 0);
  return ticks * CLOCK_TICK_MS;
}

function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return round(kb / 1024, 1);
}

/** Counts the requests the sandbox serves per service (the fault injector sees each one). */
function countRequests(sandbox: TestSandbox): Map<SandboxService, number> {
  const counts = new Map<SandboxService, number>();
  const faults = sandbox.context.faults;
  const take = faults.take.bind(faults);
  faults.take = (service, operation) => {
    counts.set(service, (counts.get(service) ?? 0) + 1);
    return take(service, operation);
  };
  return counts;
}

async function runOnce(
  sandbox: TestSandbox,
  requests: Map<SandboxService, number>,
  agent: https.Agent,
  tenants: number,
  mode: Mode,
  workers: number,
  serverUrl: string,
  postmaster: number,
): Promise<Result> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-sweep-'));
  const file = path.join(dir, 'exchange-connect.db');
  let databaseUrl = '';
  let store: IntegrationStore;
  if (mode === 'postgres') {
    const name = `ec_sweep_${tenants}_${workers}_${Date.now()}`;
    await rawQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    store = await openPostgresStore({ connectionString: databaseUrl });
  } else {
    store = openSqliteStore({ file });
  }
  await seedGraphIntegrations(store, tenants, Date.now());
  await store.close();

  const env = {
    ...sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
      ...(mode === 'postgres'
        ? { EC_DATABASE_URL: databaseUrl, EC_DATABASE_FILE: '' }
        : { EC_DATABASE_FILE: file }),
      // Long enough that the pass is the only one measured.
      EC_HEALTH_INTERVAL_MINUTES: '120',
      EC_HEALTH_CONCURRENCY: String(CONCURRENCY),
      // info: the "health checks started" line marks the start of the pass.
      EC_LOG_LEVEL: 'info',
    }),
    NODE_EXTRA_CA_CERTS: sandbox.certs.paths.caCert,
  };
  const done = async (): Promise<{ count: number; lastMs: number }> => {
    if (mode === 'postgres') {
      const [row] = (await rawQuery(
        databaseUrl,
        'SELECT count(*)::int AS n, max(last_run_at) AS last FROM integration_health WHERE last_run_at IS NOT NULL',
      )) as Array<{ n: number; last: Date | null }>;
      return { count: row?.n ?? 0, lastMs: row?.last ? new Date(row.last).getTime() : 0 };
    }
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare(
          'SELECT count(*) AS n, max(last_run_at) AS last FROM integration_health WHERE last_run_at IS NOT NULL',
        )
        .get() as { n: number; last: string | null };
      return { count: row.n, lastMs: row.last ? Date.parse(row.last) : 0 };
    } finally {
      db.close();
    }
  };

  const before = requests.get('graph') ?? 0;
  const tokensBefore = requests.get('entra') ?? 0;
  const apps: AppProcess[] = [];
  try {
    apps.push(...(await Promise.all(Array.from({ length: workers }, () => startAppProcess(env, agent)))));
    const startedAt = Math.min(...apps.map((a) => a.startedAt));
    const ticks = apps.map((a) => cpuTicks(a.pid));
    const sandboxCpu = process.cpuUsage();
    const databaseBefore = databaseTicks(postmaster);
    await waitFor(async () => (await done()).count >= tenants, 30 * 60_000, 200);
    const { lastMs } = await done();
    const cpuMs = apps.reduce((sum, a, i) => sum + (cpuTicks(a.pid) - (ticks[i] ?? 0)) * CLOCK_TICK_MS, 0);
    const sandboxUsage = process.cpuUsage(sandboxCpu);
    const databaseCpuMs = databaseCpuMsSince(postmaster, databaseBefore);
    const wallMs = lastMs - startedAt;
    const count = (requests.get('graph') ?? 0) - before;
    const jobs =
      mode === 'postgres'
        ? Object.fromEntries(
            (
              (await rawQuery(
                databaseUrl,
                'SELECT state::text AS state, count(*)::int AS n FROM pgboss.job GROUP BY state',
              )) as Array<{ state: string; n: number }>
            ).map((r) => [r.state, r.n]),
          )
        : undefined;
    const idealMs = (count * LATENCY_MS) / (CONCURRENCY * workers);
    return {
      tenants,
      store: mode,
      workers,
      wallMs,
      requests: count,
      tokenRequests: (requests.get('entra') ?? 0) - tokensBefore,
      idealMs: Math.round(idealMs),
      efficiency: round(idealMs / wallMs),
      peakRssMb: Math.max(...apps.map((a) => peakRssMb(a.pid))),
      cpuMsPerCheck: round(cpuMs / tenants),
      sandboxCpuMsPerCheck: round((sandboxUsage.user + sandboxUsage.system) / 1000 / tenants),
      databaseCpuMsPerCheck: round(databaseCpuMs / tenants),
      startSkewMs: Math.max(...apps.map((a) => a.startedAt)) - startedAt,
      ...(jobs ? { jobs } : {}),
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const index = process.argv.indexOf('--tenants');
  const sizes = (index > 0 ? (process.argv[index + 1] ?? '') : '500,1000,2000')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const largest = Math.max(...sizes);
  const modeIndex = process.argv.indexOf('--modes');
  const setups = (
    [
      ['sqlite', 1],
      ['postgres', 1],
      ['postgres', 2],
    ] as const
  ).filter(
    ([mode, workers]) =>
      modeIndex < 0 ||
      (process.argv[modeIndex + 1] ?? '').split(',').includes(mode === 'sqlite' ? 'sqlite' : `pg${workers}`),
  );
  const server = await startThrowawayServer();
  const sandbox = await startTestSandbox({
    seed: generateSeed({ tenants: largest }),
    appRequestsGraph: true,
    consentPropagationMs: 0,
  });
  const agent = new https.Agent({ ca: sandbox.certs.caCertPem, keepAlive: true });
  const postmaster = Number(readFileSync(path.join(server.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const results: Result[] = [];
  try {
    await consentAll(sandbox, largest);
    const requests = countRequests(sandbox);
    sandbox.context.faults.add({ service: 'graph', operation: '*', kind: 'latency', ms: LATENCY_MS });
    for (const tenants of sizes) {
      for (const [mode, workers] of setups) {
        const result = await runOnce(
          sandbox,
          requests,
          agent,
          tenants,
          mode,
          workers,
          server.url,
          postmaster,
        );
        console.error(JSON.stringify(result));
        results.push(result);
      }
    }
  } finally {
    agent.destroy();
    await sandbox.close();
    await server.stop();
  }
  const at = (store: Mode, workers: number, tenants = largest) =>
    results.find((r) => r.store === store && r.workers === workers && r.tenants === tenants);
  const one = at('postgres', 1);
  const two = at('postgres', 2);
  console.log(
    JSON.stringify({
      bench: 'sweep',
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      tenants: largest,
      efficiency: at('sqlite', 1)?.efficiency,
      peakRssMb: at('sqlite', 1)?.peakRssMb,
      postgresEfficiency: one?.efficiency,
      postgresTwoWorkersEfficiency: two?.efficiency,
      twoWorkersSpeedup: one && two ? round(one.wallMs / two.wallMs) : undefined,
      results,
    }),
  );
}
