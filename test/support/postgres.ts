/**
 * A real PostgreSQL server for the store tests. With EC_TEST_POSTGRES_URL set (a role that may
 * CREATE DATABASE), tests use that server. Otherwise the integration project's global setup starts
 * a private throwaway cluster once per jest run — initdb + pg_ctl from /usr/lib/postgresql/<v>/bin
 * into a temp directory, on a free port of 127.0.0.1 only, trust authentication for the test user,
 * durability off (fsync, synchronous_commit, full_page_writes: nothing here must survive a crash) —
 * publishes its URL in EC_TEST_POSTGRES_URL for the test workers, and the global teardown stops it.
 * initdb refuses to run as root, so as root (CI) the server binaries run as the `postgres` user.
 *
 * Each test file makes its own databases (`ec_test_<random>`) with TestDatabases and drops them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../scripts/process-probe';

const run = promisify(execFile);

export const POSTGRES_URL_VARIABLE = 'EC_TEST_POSTGRES_URL';
const TEST_USER = 'ec_test';
const INSTALL_HINT =
  "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's `postgresql` " +
  'package (apt-get install -y postgresql), or point EC_TEST_POSTGRES_URL at a server.';

export interface StartedServer {
  url: string;
  /** The cluster's data directory. */
  data: string;
  stop(): Promise<void>;
}

/** The newest installed major version's bin directory. */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(INSTALL_HINT);
  return path.join(root, versions[0], 'bin');
}

/** Runs a server binary as `postgres` when we are root (initdb and postgres refuse root). */
async function asServerUser(binary: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  await run(command, argv, { timeout: 120_000 });
}

async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim())),
    run('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim())),
  ]);
  return { uid, gid };
}

/** initdb + pg_ctl start into a fresh temp directory; `stop` stops the server and removes it all. */
export async function startThrowawayServer(): Promise<StartedServer> {
  const bin = serverBinaries();
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-postgres-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const pgCtl = path.join(bin, 'pg_ctl');
  const stop = async () => {
    if (existsSync(path.join(data, 'postmaster.pid'))) {
      await asServerUser(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await serverUserIds();
      chownSync(dir, uid, gid);
    }
    await asServerUser(path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      TEST_USER,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    // A port found free can be taken before the server binds it: try again with another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = [
        `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir}`,
        '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      ].join(' ');
      try {
        await asServerUser(pgCtl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', settings]);
        return { url: `postgres://${TEST_USER}@127.0.0.1:${port}/postgres`, data, stop };
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    await stop().catch(() => undefined);
    throw new Error(`Could not start a throwaway PostgreSQL server: ${String(error)}\n${serverLog}`, {
      cause: error,
    });
  }
}

/** What the global setup started, for the global teardown (same process, same globalThis). */
const started = globalThis as { ecTestPostgres?: StartedServer | undefined };

/** Global setup: a throwaway server for this jest run, unless EC_TEST_POSTGRES_URL names one. */
export async function startServerForRun(): Promise<void> {
  if (process.env[POSTGRES_URL_VARIABLE]) return;
  const server = await startThrowawayServer();
  started.ecTestPostgres = server;
  // Test workers are forked after the global setup and inherit this.
  process.env[POSTGRES_URL_VARIABLE] = server.url;
  // Backstop for a run that ends without its global teardown (an uncaught error in jest itself).
  process.once('exit', () => {
    if (!started.ecTestPostgres) return;
    try {
      const asRoot = process.getuid?.() === 0;
      const args = ['stop', '-D', server.data, '-m', 'immediate', '-w'];
      const pgCtl = path.join(serverBinaries(), 'pg_ctl');
      execFileSync(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args);
    } catch {
      // Already stopped.
    }
  });
}

/** Global teardown: stops the server the setup started (a developer's server is left alone). */
export async function stopServerForRun(): Promise<void> {
  const server = started.ecTestPostgres;
  if (!server) return;
  started.ecTestPostgres = undefined;
  delete process.env[POSTGRES_URL_VARIABLE];
  await server.stop();
}

/** The server the tests use; set by the integration project's global setup or by the developer. */
export function testServerUrl(): string {
  const url = process.env[POSTGRES_URL_VARIABLE];
  if (!url) {
    throw new Error(
      `${POSTGRES_URL_VARIABLE} is not set: PostgreSQL tests belong to the jest integration project, ` +
        'whose global setup starts a server (or set it to a server yourself).',
    );
  }
  return url;
}

/** Runs one statement on a database outside any store (setting rows up by hand, reading them raw). */
export async function rawQuery(url: string, sql: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A test file's databases on the test server, dropped together in afterAll. */
export class TestDatabases {
  private readonly names: string[] = [];

  /** A new empty database; returns its URL. */
  async create(): Promise<string> {
    const name = `ec_test_${randomBytes(6).toString('hex')}`;
    await rawQuery(testServerUrl(), `CREATE DATABASE ${name}`);
    this.names.push(name);
    const url = new URL(testServerUrl());
    url.pathname = `/${name}`;
    return url.toString();
  }

  async dropAll(): Promise<void> {
    const names = this.names.splice(0);
    for (const name of names) await rawQuery(testServerUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
