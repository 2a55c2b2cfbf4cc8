/**
 * `npm run bench -- verify`: a modern (Microsoft Graph) verification of Contoso through the app's
 * real object graph (msal-node, the Graph client, the outbound policy), cold (no token cached) and
 * warm (token cached), with 25 ms injected on every Entra and Graph request. Counts the requests and
 * the sequential round trips (requests arriving within half the latency of a round trip's first
 * overlap it), and compares the app's wall time with a plain HTTPS client replaying the same Graph
 * requests in the same round trips, in the same run: overheadMs = app − plain (median of runs).
 */
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sandboxAppEnv } from '../scripts/sandbox-env';
import { graphState } from '../sandbox/src/graph/recorder';
import type { SandboxService } from '../sandbox/src/faults';
import { loadConfig } from '../api/src/config';
import { createLogger } from '../api/src/logger';
import { buildAppGraph, type AppGraph } from '../app/src/composition';
import type { SignedInUser } from '../api/src/identity/port';
import { startTestSandbox, type TestSandbox } from '../test/support/sandbox';
import { appToken, GRAPH_SCOPE } from '../test/support/sandbox-graph';

const LATENCY_MS = 25;
const RUNS = 7;
const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const ADMIN: SignedInUser = {
  tenantId: CONTOSO,
  oid: 'admin-oid',
  upn: 'admin@contoso.com',
  isGlobalAdmin: true,
};

interface Arrival {
  service: SandboxService;
  operation: string;
  at: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Groups arrivals into sequential round trips. */
function roundTrips(arrivals: readonly Arrival[]): Arrival[][] {
  const waves: Arrival[][] = [];
  for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
    const wave = waves.at(-1);
    if (wave && arrival.at - (wave[0]?.at ?? 0) < LATENCY_MS / 2) wave.push(arrival);
    else waves.push([arrival]);
  }
  return waves;
}

function get(agent: https.Agent, url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`replay of ${url} answered ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

async function verifyOnce(sandbox: TestSandbox, graph: AppGraph, arrivals: Arrival[]) {
  const traffic = graphState(sandbox.context).traffic;
  traffic.clear();
  arrivals.length = 0;
  const started = process.hrtime.bigint();
  const result = await graph.service.verify(ADMIN);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.outcome !== 'verified') throw new Error(`verification ${result.outcome}`);
  const waves = roundTrips(arrivals);
  const graphUrls = traffic.list().map((r) => ({ method: r.method, url: r.url }));
  return { ms, requests: arrivals.length, roundTrips: waves.length, waves, graphUrls };
}

/** The same Graph requests, in the same round trips, from a bare keep-alive HTTPS client. */
async function replay(
  sandbox: TestSandbox,
  agent: https.Agent,
  token: string,
  run: Awaited<ReturnType<typeof verifyOnce>>,
) {
  const urls = [...run.graphUrls];
  const started = process.hrtime.bigint();
  for (const wave of run.waves) {
    const graphInWave = wave.filter((a) => a.service === 'graph').length;
    const batch = urls.splice(0, graphInWave);
    await Promise.all(batch.map((r) => get(agent, `${sandbox.urls.graph}/v1.0${r.url}`, token)));
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function main(): Promise<void> {
  const sandbox = await startTestSandbox({ appRequestsGraph: true, consentPropagationMs: 0 });
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-verify-'));
  const arrivals: Arrival[] = [];
  const faults = sandbox.context.faults;
  const take = faults.take.bind(faults);
  faults.take = (service, operation) => {
    arrivals.push({ service, operation, at: performance.now() });
    return take(service, operation);
  };
  const agent = new https.Agent({ ca: sandbox.certs.caCertPem, keepAlive: true });
  const graphs: AppGraph[] = [];
  try {
    await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' });
    const config = loadConfig(
      sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
        EC_DATABASE_FILE: path.join(dir, 'exchange-connect.db'),
        EC_LOG_LEVEL: 'silent',
      }),
    );
    const open = () => {
      const graph = buildAppGraph(config, createLogger({ level: 'silent' }));
      graphs.push(graph);
      return graph;
    };
    const first = open();
    await first.store.upsertTenant({ id: CONTOSO });
    await first.store.saveIntegration(
      {
        id: randomUUID(),
        tenantId: CONTOSO,
        method: 'modern',
        protocol: 'graph',
        status: 'verifying',
        consentedBy: ADMIN.upn,
        consentedAt: new Date(Date.now() - 3600_000).toISOString(),
      },
      { expectedVersion: 0 },
    );
    const token = await appToken(sandbox, CONTOSO, GRAPH_SCOPE);
    faults.add({ service: 'graph', operation: '*', kind: 'latency', ms: LATENCY_MS });
    faults.add({ service: 'entra', operation: '*', kind: 'latency', ms: LATENCY_MS });
    // One untimed round so both clients' connections and the sandbox's JIT are warm.
    await verifyOnce(sandbox, first, arrivals);

    const cold: Array<{ run: Awaited<ReturnType<typeof verifyOnce>>; plainMs: number }> = [];
    const warm: typeof cold = [];
    for (let i = 0; i < RUNS; i++) {
      // Cold: a fresh object graph, so msal-node has no token cached.
      const graph = open();
      const c = await verifyOnce(sandbox, graph, arrivals);
      cold.push({ run: c, plainMs: await replay(sandbox, agent, token, c) });
      const w = await verifyOnce(sandbox, graph, arrivals);
      warm.push({ run: w, plainMs: await replay(sandbox, agent, token, w) });
      await graph.close();
      graphs.splice(graphs.indexOf(graph), 1);
    }
    const summary = (runs: typeof cold) => ({
      requests: median(runs.map((r) => r.run.requests)),
      roundTrips: median(runs.map((r) => r.run.roundTrips)),
      appMs: Math.round(median(runs.map((r) => r.run.ms))),
      plainMs: Math.round(median(runs.map((r) => r.plainMs))),
      overheadMs: Math.round(median(runs.map((r) => r.run.ms - r.plainMs))),
      byService: Object.fromEntries(
        (['entra', 'graph'] as const).map((s) => [
          s,
          median(runs.map((r) => r.run.waves.flat().filter((a) => a.service === s).length)),
        ]),
      ),
    });
    const c = summary(cold);
    const w = summary(warm);
    console.log(
      JSON.stringify({
        bench: 'verify',
        latencyMs: LATENCY_MS,
        runs: RUNS,
        requestsCold: c.requests,
        requestsWarm: w.requests,
        roundTripsCold: c.roundTrips,
        roundTripsWarm: w.roundTrips,
        overheadMs: w.overheadMs,
        overheadColdMs: c.overheadMs,
        // What each round trip asked for: the mailbox verdict is the calendar read.
        wavesCold: cold[0]?.run.waves.map((wave) => wave.map((a) => `${a.service}:${a.operation}`)),
        wavesWarm: warm[0]?.run.waves.map((wave) => wave.map((a) => `${a.service}:${a.operation}`)),
        // The plain client replays the Graph requests with a token it already holds.
        cold: c,
        warm: w,
      }),
    );
  } finally {
    for (const graph of graphs) await graph.close();
    agent.destroy();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
