/**
 * The `exchange-connect` command line as an operator runs it: a real child process (bin/exchange-
 * connect.js) configured for a fresh sandbox tenant exactly as `--sandbox` configures it for
 * `npm run sandbox` (sandboxAppEnv, here on ephemeral ports), sharing its SQLite file with a real
 * app server so `status` reads what the tab's API wrote. Proven from exit codes, stdout, stderr,
 * the CLI's log file and what the sandbox was asked:
 *  - verify speaks Microsoft Graph by default (`--protocol ews` for the legacy protocol);
 *  - exit codes 0 verified/found, 1 not verified/not found, 2 usage, 3 could not run;
 *  - never a stack trace or library message; an unexpected error's correlation id is in the log;
 *  - `--tenant` takes a verified domain (Entra's OpenID discovery names the tenant id);
 *  - `status` is the tab's and the bot's one status model;
 *  - PostgreSQL (EC_DATABASE_URL) works as well as SQLite;
 *  - a malformed address is refused before anything reaches the sandbox;
 *  - the human trace uses the tab's step vocabulary.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import type { EnvName } from '../../api/src/config';
import type { IntegrationStatusView, VerificationView } from '../../api/src/http/contract';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { runCli, STACK_FRAME, type CliRun } from '../support/cli-process';
import { TestDatabases } from '../support/postgres';
import { seedGraphIntegrations } from '../support/scale-seed';
import { generatedTenantId } from '../../sandbox/src/seed-generator';

jest.setTimeout(300_000);

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

let env: AppUnderTest;
let dir: string;
const databases = new TestDatabases();

beforeAll(async () => {
  env = await startAppUnderTest({ sandbox: { consentPropagationMs: 0 } });
  dir = mkdtempSync(path.join(tmpdir(), 'ec-cli-'));
  const consent = await env.sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' });
  expect(consent.status).toBe(201);
});

afterAll(async () => {
  await env?.close();
  await databases.dropAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The CLI's environment: the app's sandbox configuration, on the app server's database. */
function cliEnv(overrides: Partial<Record<EnvName | string, string | undefined>> = {}) {
  return {
    ...sandboxAppEnv({ urls: env.sandbox.urls, seed: env.sandbox.context.seed }, env.sandbox.certs, {
      EC_DATABASE_FILE: env.databaseFile,
    }),
    ...overrides,
  };
}

let runs = 0;
/** Runs the CLI with a log file of its own; answers the run and that log's text. */
async function cli(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<CliRun & { log: () => string }> {
  // The CLI logs to $XDG_STATE_HOME/exchange-connect/cli.log: one state directory per run.
  const state = path.join(dir, `run-${++runs}`);
  const run = await runCli(args, {
    ...options,
    env: { ...(options.env ?? cliEnv()), XDG_STATE_HOME: state },
  });
  return { ...run, log: () => readFileSync(path.join(state, 'exchange-connect', 'cli.log'), 'utf8') };
}

/** Nothing a user sees may be a stack trace. */
function expectNoStack(run: CliRun): void {
  expect(run.stdout).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toMatch(STACK_FRAME);
}

/** `verify --method modern --mailbox <mailbox>` and any more arguments. */
const modernVerify = (mailbox: string, ...more: string[]) => [
  'verify',
  '--method',
  'modern',
  '--mailbox',
  mailbox,
  ...more,
];

type VerifyJson = VerificationView & { protocol: string; method: string; tenant: string };

describe('verify speaks Microsoft Graph by default', () => {
  it('verifies admin@contoso.com over Graph (exit 0, "protocol":"graph")', async () => {
    const run = await cli(modernVerify('admin@contoso.com', '--json'));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(run.stdout) as VerifyJson;
    expect(out).toMatchObject({ outcome: 'verified', protocol: 'graph', method: 'modern' });
    expect(out.steps.find((s) => s.name === 'endpoint')?.detail).toMatchObject({
      url: env.sandbox.urls.graph,
      protocol: 'graph',
    });
  });

  it('a Global Admin without a mailbox is not verified (exit 1) and the output names MailboxNotEnabledForRESTAPI', async () => {
    const human = await cli(modernVerify('admin.nomailbox@contoso.com'));
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/MailboxNotEnabledForRESTAPI/);
    const json = await cli(modernVerify('admin.nomailbox@contoso.com', '--json'));
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as VerifyJson;
    expect(out).toMatchObject({ outcome: 'failed', protocol: 'graph' });
    expect(out.diagnostic?.code).toBe('MailboxNotEnabledForRESTAPI');
    expectNoStack(human);
  });

  it('--protocol ews verifies over the legacy Exchange Web Services', async () => {
    const run = await cli(modernVerify('admin@contoso.com', '--protocol', 'ews', '--json'));
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as VerifyJson;
    expect(out).toMatchObject({ outcome: 'verified', protocol: 'ews' });
    expect(String(out.steps[0]?.detail?.url)).toMatch(/\/EWS\/Exchange\.asmx$/);
  });

  it('the human trace uses the tab’s step words (api/src/vocabulary.ts)', async () => {
    const run = await cli(modernVerify('admin@contoso.com'));
    expect(run.code).toBe(0);
    // The tab's checklist labels for a Graph connection, and its words for a passed step.
    for (const label of [
      'Microsoft Graph endpoint',
      'App-only token from Microsoft Entra ID',
      'Permissions: Calendars.ReadWrite and Place.Read.All',
      'Open the mailbox admin@contoso.com',
      'Find meeting rooms',
    ]) {
      expect(run.stdout).toContain(label);
    }
    expect(run.stdout).toMatch(/Passed/);
    expect(run.stdout).not.toMatch(/full_access_as_app permission|EWS endpoint/);
  });
});

describe('exit codes and messages', () => {
  it('--help documents the exit codes (exit 0)', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0\s+verified .*found/i);
    expect(run.stdout).toMatch(/1\s+not verified/i);
    expect(run.stdout).toMatch(/2\s+usage error/i);
    expect(run.stdout).toMatch(/3\s+could not run/i);
    expect(run.stdout).toMatch(/--protocol graph\|ews/);
  });

  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['verify', '--method', 'modern', '--mailbox', 'admin@contoso.com', '--bogus'], /--bogus/],
    [['verify', '--method', 'carrier-pigeon', '--mailbox', 'admin@contoso.com'], /--method/],
    [['verify', '--method', 'modern', '--protocol', 'smtp', '--mailbox', 'admin@contoso.com'], /--protocol/],
    [
      ['verify', '--method', 'basic', '--protocol', 'graph', '--mailbox', 'admin@fabrikam.com'],
      /Exchange Server/,
    ],
    [['verify', '--method', 'modern', '--mailbox', 'admin@contoso.com', '--password', 'x'], /never taken/],
    [['status', '--tenant', 'not a tenant!'], /--tenant/],
    [[], /Usage/],
  ])('usage error %j → exit 2', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expectNoStack(run);
  });

  it('a configuration error is "could not run" (exit 3) and names the variable', async () => {
    const run = await cli(['status'], { env: cliEnv({ EC_CLIENT_ID: 'not-a-guid' }) });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/EC_CLIENT_ID/);
    expectNoStack(run);
  });

  it('Entra ID out of reach while resolving a domain is "could not run" (exit 3), in our words', async () => {
    const run = await cli(['status', '--tenant', 'contoso.com'], {
      env: cliEnv({ EC_AUTHORITY_HOST: 'https://127.0.0.1:1' }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Entra ID/);
    expect(run.stderr).not.toMatch(/connect ECONNREFUSED/);
    expectNoStack(run);
  });

  it('an unexpected error (a database file that is not SQLite) prints a short message and a correlation id that is in the log (exit 3)', async () => {
    const broken = path.join(dir, 'not-a-database.db');
    writeFileSync(broken, 'this is not a SQLite database, it only has the name of one'.repeat(100));
    const run = await cli(['status'], { env: cliEnv({ EC_DATABASE_FILE: broken }) });
    expect(run.code).toBe(3);
    expectNoStack(run);
    // The library's own sentence stays in the log.
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/file is not a database|SqliteError|SQLITE_/);
    const id = /correlation id ([0-9a-f-]{36})/.exec(run.stderr)?.[1];
    expect(id).toBeDefined();
    const logged = run
      .log()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l.correlationId === id)).toMatchObject({ level: 50 });
  });
});

describe('Exchange Server: a wrong password is "not verified" however the EWS URL was found', () => {
  const basic = ['verify', '--method', 'basic', '--mailbox', 'admin@fabrikam.com'];

  it.each([
    ['found by Autodiscover', 'autodiscover'],
    ['typed', 'url'],
  ])('EWS URL %s → exit 1 with the 401’s explanation (never the usage error)', async (_how, source) => {
    // mail.fabrikam.com is mapped to the sandbox's Exchange Server, on its ephemeral port.
    const where =
      source === 'url'
        ? [
            '--ews-url',
            `https://mail.fabrikam.com:${new URL(env.sandbox.urls.exchangeServer).port}/EWS/Exchange.asmx`,
          ]
        : ['--autodiscover'];
    const run = await cli([...basic, '--user', 'svc-ews@fabrikam.com', ...where, '--json'], {
      stdin: 'not-the-password\n',
    });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as VerifyJson;
    expect(out).toMatchObject({
      outcome: 'failed',
      protocol: 'ews',
      diagnostic: { kind: 'invalid_credentials' },
    });
    expect(out.diagnostic?.remediation).toMatch(/Update password/);
  });

  it('the right password through Autodiscover verifies (exit 0)', async () => {
    const run = await cli([...basic, '--user', 'svc-ews@fabrikam.com', '--autodiscover'], {
      stdin: 'Sandbox-Only-Pa55!\n',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Verified over Exchange Web Services \(EWS\)/);
  });
});

describe('addresses are checked before anything is sent', () => {
  it.each([
    [['verify', '--method', 'modern', '--mailbox', 'a<b>@contoso.com'], /--mailbox/],
    [['verify', '--method', 'modern', '--mailbox', 'admin@contoso.com</t:SmtpAddress>'], /--mailbox/],
    [
      [
        'verify',
        '--method',
        'basic',
        '--mailbox',
        'admin@fabrikam.com',
        '--user',
        'svc@fabrikam.com$(Add-RoleGroupMember x)',
        '--autodiscover',
      ],
      /--user/,
    ],
  ])('%j → exit 2, the sandbox asked nothing', async (args, message) => {
    const taken = jest.spyOn(env.sandbox.context.faults, 'take');
    try {
      const run = await cli(args, { stdin: 'Sandbox-Only-Pa55!\n' });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(taken).not.toHaveBeenCalled();
    } finally {
      taken.mockRestore();
    }
  });
});

describe('status: the one status model, by tenant id or verified domain', () => {
  beforeAll(async () => {
    // The tab's path: consent, then verification; the CLI reads the same database.
    expect(await env.connectModern('admin@contoso.com')).toMatchObject({ outcome: 'verified' });
  });

  async function apiStatus() {
    return (await env.call<IntegrationStatusView>('admin@contoso.com', 'GET', '/api/integration')).body
      .status;
  }

  it('status --tenant contoso.com (a verified domain) shows what the tab shows (exit 0)', async () => {
    const byDomain = await cli(['status', '--tenant', 'contoso.com', '--json']);
    expect(byDomain.code).toBe(0);
    const out = JSON.parse(byDomain.stdout) as { tenantId: string; status: unknown };
    expect(out.tenantId).toBe(CONTOSO);
    expect(out.status).toEqual(await apiStatus());

    const byId = await cli(['status', '--tenant', CONTOSO.toUpperCase(), '--json']);
    expect(byId.code).toBe(0);
    expect((JSON.parse(byId.stdout) as { status: unknown }).status).toEqual(await apiStatus());
  });

  it('after a failed health check, the headline and cause are the tab’s, in text and JSON', async () => {
    await env.sandbox.control('DELETE', '/entra/consent/contoso.com');
    try {
      await env.call('admin@contoso.com', 'POST', '/api/integration/health/check');
      const tab = await apiStatus();
      expect(tab.cause?.code).toBeDefined();

      const json = await cli(['status', '--tenant', 'contoso.com', '--json']);
      expect(json.code).toBe(0);
      expect((JSON.parse(json.stdout) as { status: unknown }).status).toEqual(tab);

      const human = await cli(['status', '--tenant', 'contoso.com']);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(tab.title);
      expect(human.stdout).toContain(tab.summary);
      expect(human.stdout).toContain(`${tab.cause!.code}: ${tab.cause!.message}`);
      expect(human.stdout).toContain(tab.cause!.remediation);
      expect(human.stdout).toContain('Exchange Online over Microsoft Graph');
    } finally {
      await env.sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' });
    }
  });

  it('status without --tenant lists each connected tenant once, with its current status (no disconnected history)', async () => {
    // Disconnect and connect again: the disconnected connection stays in the store as history.
    expect((await env.call('admin@contoso.com', 'DELETE', '/api/integration')).status).toBe(204);
    expect(await env.connectModern('admin@contoso.com')).toMatchObject({ outcome: 'verified' });
    const run = await cli(['status', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Array<{ tenantId: string; status: { title: string } }>;
    expect(out.map((r) => r.tenantId)).toEqual([CONTOSO]);
    expect(out[0]?.status).toEqual(await apiStatus());
  });

  it('a domain Entra ID does not know is not found (exit 1, AADSTS90002)', async () => {
    const run = await cli(['status', '--tenant', 'nowhere.example']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/AADSTS90002/);
    expectNoStack(run);
  });

  it('a tenant without a connection is not found (exit 1)', async () => {
    const run = await cli(['status', '--tenant', 'fabrikam.com']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Exchange is not connected/);
  });
});

describe('PostgreSQL', () => {
  it('status reads a connection from the database EC_DATABASE_URL names (exit 0)', async () => {
    const databaseUrl = await databases.create();
    const store = await openPostgresStore({ connectionString: databaseUrl });
    try {
      await seedGraphIntegrations(store, 1, Date.now());
    } finally {
      await store.close();
    }
    const run = await cli(['status', '--tenant', generatedTenantId(1), '--json'], {
      env: cliEnv({ EC_DATABASE_URL: databaseUrl, EC_DATABASE_FILE: '' }),
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      tenantId: generatedTenantId(1),
      status: { headline: 'checking', connection: 'Exchange Online over Microsoft Graph' },
    });
  });
});
