/**
 * `npm run bench -- cold-start [-- --compare <checkout>]`: how long the production build takes from
 * `node dist/app/src/main.js` to answering /healthz, and its resident memory once listening; the
 * median of five starts, as one JSON line. With `--compare <checkout>`, the same for another
 * source checkout started the way it deployed before the compiled build existed
 * (`node bin/exchange-connect.js serve` through tsx, no sealing key configured), measured in the
 * same run so the two figures share the machine's load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildArtifact } from '../scripts/build-artifact';
import { ensureDevCertificates } from '../scripts/dev-certs';
import { defaultSandboxUrls, sandboxAppEnv } from '../scripts/sandbox-env';
import { freePort, rssMb, waitForHealthy } from '../scripts/process-probe';
import { loadSeed } from '../sandbox/src/seed';

const STARTS = 5;
/** How long after listening the memory is read, so start-up allocations have settled. */
const SETTLE_MS = 1_000;

interface Start {
  ms: number;
  rssMb: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function startOnce(
  command: string[],
  cwd: string,
  env: Record<string, string>,
  agent: https.Agent,
): Promise<Start> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  let output = '';
  const child = spawn(process.execPath, command, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      EC_PORT: String(port),
      EC_PUBLIC_URL: `https://localhost:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    await waitForHealthy(agent, `https://localhost:${port}/healthz`, child, () => output);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { ms: Math.round(ms), rssMb: rssMb(child.pid ?? 0) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

async function measure(command: string[], cwd: string, env: Record<string, string>, agent: https.Agent) {
  const starts: Start[] = [];
  for (let i = 0; i < STARTS; i++) starts.push(await startOnce(command, cwd, env, agent));
  return { ms: median(starts.map((s) => s.ms)), rssMb: median(starts.map((s) => s.rssMb)) };
}

export async function main(): Promise<void> {
  const compareIndex = process.argv.indexOf('--compare');
  const compare = compareIndex > 0 ? path.resolve(process.argv[compareIndex + 1] ?? '') : undefined;
  const work = mkdtempSync(path.join(tmpdir(), 'ec-cold-start-'));
  try {
    const certs = await ensureDevCertificates();
    const env = sandboxAppEnv({ urls: defaultSandboxUrls(), seed: loadSeed() }, certs, {
      EC_DATABASE_FILE: path.join(work, 'exchange-connect.db'),
      EC_LOG_LEVEL: 'warn',
    }) as Record<string, string>;
    const agent = new https.Agent({ ca: certs.caCertPem });
    const artifact = buildArtifact(path.join(work, 'artifact'));
    const built = await measure(
      [path.join(artifact, 'dist', 'app', 'src', 'main.js')],
      artifact,
      { ...env, NODE_ENV: 'production' },
      agent,
    );
    const result: Record<string, unknown> = {
      bench: 'cold-start',
      starts: STARTS,
      artifactMs: built.ms,
      artifactRssMb: built.rssMb,
    };
    if (compare) {
      const { EC_SEALING_KEY_FILE: _unset, ...before } = env;
      const source = await measure(
        [path.join(compare, 'bin', 'exchange-connect.js'), 'serve'],
        compare,
        before,
        agent,
      );
      Object.assign(result, {
        compareMs: source.ms,
        compareRssMb: source.rssMb,
        ratio: Math.round((built.ms / source.ms) * 100) / 100,
      });
    }
    console.log(JSON.stringify(result));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
