/**
 * The app as a real separate process (`node --import tsx app/src/main.ts`), as App Service runs each
 * instance: its own event loop, pools and leases, so SIGKILL is a worker dying for real. Resolves
 * once /healthz answers and the process has said which lease owner its health checks run as.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { freePort, waitForHealthy } from '../../scripts/process-probe';
import { waitFor } from './wait-for';

const ROOT = path.resolve(__dirname, '..', '..');

export interface AppProcess {
  url: string;
  pid: number;
  /** The lease owner id its health checks run as (from its "health checks started" log line). */
  owner: string;
  /** When its health checks started (that line's time, epoch ms). */
  startedAt: number;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
  /** Its JSON log lines, parsed. */
  logLines(): Array<Record<string, unknown>>;
  child: ChildProcess;
  /** SIGKILL: no shutdown, no hand-back. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startAppProcess(
  env: Record<string, string | undefined>,
  agent: https.Agent,
  options: { port?: number } = {},
): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/src/main.ts')], {
    cwd: ROOT,
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logLines = () =>
    output.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const url = `https://localhost:${port}`;
  try {
    await waitForHealthy(agent, `${url}/healthz`, child, () => output, 120_000);
    // The job engine's start (its migrations, with the other instance starting at once) runs after
    // /healthz answers; on a loaded machine that can take a while. The limit only bounds a hang.
    await waitFor(() => logLines().some((l) => l.msg === 'health checks started'), 120_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(error as Error).message}; the app printed:\n${output.slice(-4000)}`, {
      cause: error,
    });
  }
  const started = logLines().find((l) => l.msg === 'health checks started');
  const owner = String(started?.owner);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    pid: child.pid ?? 0,
    owner,
    startedAt: Number(started?.time),
    output: () => output,
    logLines,
    child,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
