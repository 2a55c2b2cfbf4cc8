/**
 * `exchange-connect`: verify a connection from a terminal and print the same step trace as the tab,
 * show a tenant's status as the tab and the bot show it, or serve the app. Passwords come from stdin
 * or the environment, never from the command line (where `ps` and shell history would keep them).
 * Every address is checked before anything is sent; exit codes are in USAGE.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type AppConfig } from '../../api/src/config';
import { ExchangeConnectError } from '../../api/src/errors';
import type { Protocol } from '../../api/src/exchange/port';
import { isMailboxAddress, isServiceAccountName } from '../../api/src/exchange/addresses';
import { isTenantName } from '../../api/src/identity/tenant-discovery';
import {
  verifyIntegration,
  type VerifiableIntegration,
  type VerificationResult,
} from '../../api/src/integrations/verification';
import { stepFromDiagnostic } from '../../api/src/integrations/steps';
import { traceText } from '../../api/src/integrations/trace-text';
import { statusText } from '../../api/src/status/status-text';
import type { StatusReport } from '../../api/src/status/port';
import { INTEGRATION_STATUSES } from '../../api/src/store/types';
import { enteredPassword } from '../../api/src/secrets/entered-password';
import type { ConnectionKind } from '../../api/src/vocabulary';
import { openAppGraph, type AppGraph } from './composition';
import { serve } from './main';
import { loadDevelopmentEnv } from './development-env';
import {
  defaultLogFile,
  EXIT,
  failure,
  openCliLog,
  StoreOpenError,
  UsageError,
  type CliLog,
  type ExitCode,
} from './cli-failure';

const USAGE = `Usage:
  exchange-connect verify --method modern --mailbox <smtp> [--protocol graph|ews] [--tenant <id|domain>] [--wait-seconds N]
  exchange-connect verify --method basic --mailbox <smtp> --user <service account> (--ews-url <url> | --autodiscover)
                          password on stdin, or in EC_SERVICE_ACCOUNT_PASSWORD
  exchange-connect status [--tenant <id|domain>]
  exchange-connect serve
Options:
  --protocol graph|ews  Exchange Online's protocol: Microsoft Graph (default) or EWS (legacy, until 2027-04-01)
  --tenant <id|domain>  the tenant id, or one of its verified domains (default: the mailbox's domain)
  --json                machine-readable output
  --sandbox             target a running \`npm run sandbox\` (development), no other configuration
  --log-file <path>     the CLI's log (default $XDG_STATE_HOME/exchange-connect/cli.log)
Exit codes:
  0  verified (verify) or found (status)
  1  not verified (failed, or still pending) or not found
  2  usage error
  3  could not run: configuration, network, or an unexpected error (a correlation id that is in the log)`;

const OPTIONS = {
  method: { type: 'string' },
  protocol: { type: 'string' },
  mailbox: { type: 'string' },
  tenant: { type: 'string' },
  user: { type: 'string' },
  'ews-url': { type: 'string' },
  autodiscover: { type: 'boolean' },
  'wait-seconds': { type: 'string' },
  json: { type: 'boolean' },
  sandbox: { type: 'boolean' },
  'log-file': { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

async function configFor(sandbox: boolean): Promise<AppConfig> {
  if (!sandbox) return loadConfig();
  const env = await loadDevelopmentEnv();
  if (!env) {
    throw new UsageError(
      '--sandbox is a development option: it needs a source checkout of Exchange Connect (npm run sandbox). In production, configure the EC_* environment variables instead.',
    );
  }
  return loadConfig(env);
}

/** The app's object graph on the store the configuration names (SQLite or PostgreSQL), then closed. */
async function withGraph<T>(values: Values, cli: CliLog, use: (graph: AppGraph) => Promise<T>): Promise<T> {
  const config = await configFor(values.sandbox ?? false);
  cli.log.level = config.logLevel === 'silent' || config.logLevel === 'fatal' ? 'error' : config.logLevel;
  let graph: AppGraph;
  try {
    graph = await openAppGraph(config, cli.log);
  } catch (error) {
    throw new StoreOpenError(config.databaseUrl !== undefined, { cause: error });
  }
  try {
    return await use(graph);
  } finally {
    await graph.close();
  }
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.EC_SERVICE_ACCOUNT_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY)
    throw new UsageError('Give the password on stdin or in EC_SERVICE_ACCOUNT_PASSWORD.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) throw new UsageError('The password on stdin is empty.');
  return password;
}

/** --tenant as given, refused unless it is a tenant id or a domain name (it becomes a URL segment). */
function tenantOption(values: Values): string | undefined {
  const tenant = values.tenant?.toLowerCase();
  if (tenant !== undefined && !isTenantName(tenant)) {
    throw new UsageError('--tenant must be a tenant id (a GUID) or a verified domain such as contoso.com.');
  }
  return tenant;
}

/** What verify was asked, checked whole before anything is read, opened or sent. */
interface VerifyPlan {
  kind: ConnectionKind & { protocol: Protocol };
  mailbox: string;
  tenant: string;
  waitMs: number;
  basic?: { user: string; ewsUrl?: string };
}

function verifyPlan(values: Values): VerifyPlan {
  const method = values.method;
  if (method !== 'modern' && method !== 'basic') throw new UsageError('--method must be modern or basic.');
  const protocol = values.protocol ?? (method === 'modern' ? 'graph' : 'ews');
  if (protocol !== 'graph' && protocol !== 'ews') throw new UsageError('--protocol must be graph or ews.');
  if (method === 'basic' && protocol !== 'ews') {
    throw new UsageError('Exchange Server speaks only EWS: --protocol graph is for --method modern.');
  }
  const mailbox = values.mailbox?.toLowerCase();
  // The same rule as every other entry point: nothing else reaches SOAP, a URL or a header.
  if (!mailbox || !isMailboxAddress(mailbox)) {
    throw new UsageError('--mailbox must be a mailbox address of the form name@domain.tld.');
  }
  const waitMs = Number(values['wait-seconds'] ?? '0') * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0)
    throw new UsageError('--wait-seconds must be a number of seconds.');
  const tenant = tenantOption(values) ?? mailbox.slice(mailbox.indexOf('@') + 1);
  const plan: VerifyPlan = { kind: { method, protocol }, mailbox, tenant, waitMs };
  if (method === 'modern') return plan;
  if (!values.user || !isServiceAccountName(values.user)) {
    throw new UsageError('--user must be the service account as name@domain.tld or DOMAIN\\name.');
  }
  if (Boolean(values['ews-url']) === Boolean(values.autodiscover)) {
    throw new UsageError('Give either --ews-url <url> or --autodiscover.');
  }
  const ewsUrl = values['ews-url'];
  if (ewsUrl !== undefined && !URL.canParse(ewsUrl)) throw new UsageError('--ews-url must be a URL.');
  return { ...plan, basic: { user: values.user, ...(ewsUrl !== undefined ? { ewsUrl } : {}) } };
}

/** Autodiscover finding no EWS URL is a verification that failed at its first step, as the tab shows it. */
function failedAtEndpoint(mailbox: string, startedAt: Date, error: ExchangeConnectError): VerificationResult {
  const diagnostic = error.toDiagnostic();
  const finishedAt = new Date();
  return {
    outcome: 'failed',
    mailbox,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    steps: [stepFromDiagnostic('endpoint', 'failed', finishedAt.getTime() - startedAt.getTime(), diagnostic)],
    diagnostic,
  };
}

async function verify(values: Values, cli: CliLog): Promise<ExitCode> {
  const plan = verifyPlan(values);
  const password = plan.basic ? await readPassword() : undefined;
  const { kind, mailbox, waitMs } = plan;
  const print = (result: VerificationResult) =>
    console.log(
      values.json
        ? JSON.stringify(
            { tenant: plan.tenant, method: kind.method, protocol: kind.protocol, ...result },
            null,
            2,
          )
        : traceText(result, kind),
    );
  return withGraph(values, cli, async (graph) => {
    let integration: VerifiableIntegration;
    let deps = graph.verification;
    if (!plan.basic || password === undefined) {
      // With --wait-seconds, a permission not granted yet counts as "still being applied".
      const consentedAt = waitMs > 0 ? new Date().toISOString() : undefined;
      integration = {
        tenantId: plan.tenant,
        method: 'modern',
        protocol: kind.protocol,
        ...(consentedAt ? { consentedAt } : {}),
      };
    } else {
      let ewsUrl = plan.basic.ewsUrl;
      if (ewsUrl === undefined) {
        const started = new Date();
        try {
          ewsUrl = await graph.autodiscover.discoverEwsUrl(mailbox, { username: plan.basic.user, password });
        } catch (error) {
          if (!(error instanceof ExchangeConnectError)) throw error;
          print(failedAtEndpoint(mailbox, started, error));
          return EXIT.notVerified;
        }
      }
      deps = { ...deps, vault: enteredPassword(password) };
      integration = {
        tenantId: plan.tenant,
        method: 'basic',
        ewsUrl,
        serviceAccount: plan.basic.user,
        secretId: 'stdin',
      };
    }
    const deadline = Date.now() + waitMs;
    let result: VerificationResult;
    for (let attempt = 0; ; attempt++) {
      result = await verifyIntegration(deps, { integration, mailbox, attempt, pendingWindowMs: waitMs });
      if (result.outcome !== 'pending' || Date.now() + (result.retryAfterMs ?? 0) > deadline) break;
      if (!values.json)
        console.log(`${traceText(result, kind)}\n  re-checking in ${(result.retryAfterMs ?? 0) / 1000} s…`);
      await new Promise((r) => setTimeout(r, result.retryAfterMs));
    }
    print(result);
    return result.outcome === 'verified' ? EXIT.ok : EXIT.notVerified;
  });
}

/** Every status but disconnected: a disconnected connection is history, not the tenant's status. */
const ACTIVE = INTEGRATION_STATUSES.filter((s) => s !== 'disconnected');

interface TenantStatus {
  tenantId: string;
  report: StatusReport;
}

const statusJson = ({ tenantId, report }: TenantStatus) => ({
  tenantId,
  status: report.status,
  ...(report.integration ? { integration: report.integration } : {}),
  ...(report.health ? { health: report.health } : {}),
});

async function status(values: Values, cli: CliLog): Promise<ExitCode> {
  const tenant = tenantOption(values);
  return withGraph(values, cli, async (graph) => {
    if (tenant !== undefined) {
      let tenantId: string;
      try {
        tenantId = await graph.resolveTenant(tenant);
      } catch (error) {
        if (!(error instanceof ExchangeConnectError) || error.kind !== 'tenant_not_found') throw error;
        console.error(`${error.message} (${error.code})`);
        return EXIT.notVerified;
      }
      const found = { tenantId, report: await graph.readStatus(tenantId) };
      console.log(
        values.json ? JSON.stringify(statusJson(found), null, 2) : statusText(tenantId, found.report),
      );
      return found.report.integration ? EXIT.ok : EXIT.notVerified;
    }
    const tenants = [
      ...new Set((await graph.store.listIntegrations({ status: ACTIVE })).map((i) => i.tenantId)),
    ];
    const all = await Promise.all(
      tenants.map(async (t) => ({ tenantId: t, report: await graph.readStatus(t) })),
    );
    if (values.json) console.log(JSON.stringify(all.map(statusJson), null, 2));
    else
      console.log(
        all.length ? all.map((s) => statusText(s.tenantId, s.report)).join('\n\n') : 'No connections yet.',
      );
    return all.length > 0 ? EXIT.ok : EXIT.notVerified;
  });
}

async function command(argv: string[], cli: CliLog): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.password !== undefined) {
    throw new UsageError(
      'Passwords are never taken from the command line: pipe it on stdin or set EC_SERVICE_ACCOUNT_PASSWORD.',
    );
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const name = positionals[0];
  switch (name) {
    case undefined:
      throw new UsageError('Name a command.');
    case 'verify':
      return verify(values, cli);
    case 'status':
      return status(values, cli);
    case 'serve':
      await serve(await configFor(values.sandbox ?? false));
      return new Promise<ExitCode>(() => undefined);
    default:
      throw new UsageError(`Unknown command "${name}".`);
  }
}

/** The --log-file value, read before the full parse so that a usage error is logged too. */
function logFileOf(argv: string[]): string {
  const at = argv.indexOf('--log-file');
  const inline = argv.find((a) => a.startsWith('--log-file='))?.slice('--log-file='.length);
  return inline ?? (at >= 0 ? argv[at + 1] : undefined) ?? defaultLogFile();
}

/** Runs one command; never throws: every failure is an exit code and a message on stderr. */
export async function main(argv: string[]): Promise<ExitCode> {
  const cli = openCliLog(logFileOf(argv));
  try {
    return await command(argv, cli);
  } catch (error) {
    const { code, message } = failure(error, cli, USAGE);
    console.error(message);
    return code;
  }
}

/** Runs the CLI with this process's arguments and exits with its code. */
export function run(): void {
  const argv = process.argv.slice(2);
  // An error no command awaited (a socket's, a library's timer) ends the run like any other:
  // exit 3 and a correlation id, never Node's stack trace on stderr.
  const crash = (error: unknown) => {
    const { code, message } = failure(error, openCliLog(logFileOf(argv)), USAGE);
    console.error(message);
    process.exit(code);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  void main(argv).then((code) => process.exit(code));
}

if (require.main === module) run();
