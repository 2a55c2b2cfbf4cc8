/**
 * `exchange-connect`: verify a connection from a terminal and print the same step trace as the tab,
 * show the stored status, or serve the app. Passwords come from stdin or the environment, never
 * from the command line (where `ps` and shell history would keep them).
 */
import { parseArgs } from 'node:util';
import { loadConfig, type AppConfig } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { buildAppGraph } from './composition';
import { serve } from './main';
import {
  verifyIntegration,
  type VerifiableIntegration,
  type VerificationResult,
} from '../../api/src/integrations/verification';
import { traceText } from '../../api/src/integrations/trace-text';
import { enteredPassword } from '../../api/src/secrets/entered-password';
import { loadDevelopmentEnv } from './development-env';

const USAGE = `Usage:
  exchange-connect verify --method modern --mailbox <smtp> [--tenant <id|domain>] [--wait-seconds N]
  exchange-connect verify --method basic --mailbox <smtp> --user <service account> (--ews-url <url> | --autodiscover)
                          password on stdin, or in EC_SERVICE_ACCOUNT_PASSWORD
  exchange-connect status [--tenant <id>]
  exchange-connect serve
Options: --json (machine-readable output), --sandbox (target a running \`npm run sandbox\`, no other configuration)
Exit code: 0 only when verified (verify) or found (status).`;

const OPTIONS = {
  method: { type: 'string' },
  mailbox: { type: 'string' },
  tenant: { type: 'string' },
  user: { type: 'string' },
  'ews-url': { type: 'string' },
  autodiscover: { type: 'boolean' },
  'wait-seconds': { type: 'string' },
  json: { type: 'boolean' },
  sandbox: { type: 'boolean' },
  password: { type: 'string' },
  help: { type: 'boolean' },
} as const;

class UsageError extends Error {}

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

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

async function verify(values: Values, config: AppConfig): Promise<number> {
  const mailbox = values.mailbox?.toLowerCase();
  if (!mailbox || !/^[^@\s]+@[^@\s]+$/.test(mailbox))
    throw new UsageError('--mailbox <smtp address> is required.');
  const waitMs = Number(values['wait-seconds'] ?? '0') * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0)
    throw new UsageError('--wait-seconds must be a number of seconds.');
  const graph = buildAppGraph(config, createLogger({ level: 'silent' }));
  try {
    let integration: VerifiableIntegration;
    let deps = graph.verification;
    if (values.method === 'modern') {
      // With --wait-seconds, a permission not granted yet counts as "still being applied".
      const consentedAt = waitMs > 0 ? new Date().toISOString() : undefined;
      const tenantId = values.tenant ?? mailbox.split('@')[1] ?? '';
      integration = { tenantId, method: 'modern', ...(consentedAt ? { consentedAt } : {}) };
    } else if (values.method === 'basic') {
      if (!values.user) throw new UsageError('--user <service account> is required for --method basic.');
      if (Boolean(values['ews-url']) === Boolean(values.autodiscover)) {
        throw new UsageError('Give either --ews-url <url> or --autodiscover.');
      }
      const password = await readPassword();
      const ewsUrl =
        values['ews-url'] ??
        (await graph.autodiscover.discoverEwsUrl(mailbox, { username: values.user, password }));
      deps = { ...deps, vault: enteredPassword(password) };
      integration = {
        tenantId: values.tenant ?? mailbox.split('@')[1] ?? '',
        method: 'basic',
        ewsUrl,
        serviceAccount: values.user,
        secretId: 'stdin',
      };
    } else {
      throw new UsageError('--method must be modern or basic.');
    }
    const deadline = Date.now() + waitMs;
    let result: VerificationResult;
    for (let attempt = 0; ; attempt++) {
      result = await verifyIntegration(deps, { integration, mailbox, attempt, pendingWindowMs: waitMs });
      if (result.outcome !== 'pending' || Date.now() + (result.retryAfterMs ?? 0) > deadline) break;
      if (!values.json)
        console.log(`${traceText(result)}\n  re-checking in ${(result.retryAfterMs ?? 0) / 1000} s…`);
      await new Promise((r) => setTimeout(r, result.retryAfterMs));
    }
    console.log(values.json ? JSON.stringify(result, null, 2) : traceText(result));
    return result.outcome === 'verified' ? 0 : 1;
  } finally {
    await graph.close();
  }
}

async function status(values: Values, config: AppConfig): Promise<number> {
  const graph = buildAppGraph(config, createLogger({ level: 'silent' }));
  try {
    const integrations = values.tenant
      ? [await graph.store.getIntegration(values.tenant)].filter((i) => i !== undefined)
      : await graph.store.listIntegrations();
    const rows = await Promise.all(
      integrations.map(async (i) => ({
        integration: i,
        latestTrace: (await graph.store.latestTrace(i.tenantId)) ?? null,
      })),
    );
    if (values.json) {
      console.log(JSON.stringify(rows, null, 2));
    } else if (rows.length === 0) {
      console.log(values.tenant ? `No connection for tenant ${values.tenant}.` : 'No connections yet.');
    } else {
      for (const { integration: i, latestTrace } of rows) {
        console.log(
          `${i.tenantId}  ${i.method.padEnd(6)} ${i.status.padEnd(10)} ${i.verifiedMailbox ?? '-'}  verified ${i.verifiedAt ?? 'never'}` +
            (i.lastError ? `\n  last error ${i.lastError.code}: ${i.lastError.message}` : '') +
            (latestTrace
              ? `\n  last check ${latestTrace.finishedAt}: ${latestTrace.outcome} (${latestTrace.mailbox})`
              : ''),
        );
      }
    }
    return rows.length > 0 ? 0 : 1;
  } finally {
    await graph.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.password !== undefined) {
    throw new UsageError(
      'Passwords are never taken from the command line: pipe it on stdin or set EC_SERVICE_ACCOUNT_PASSWORD.',
    );
  }
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = await configFor(values.sandbox ?? false);
  switch (command) {
    case 'verify':
      return verify(values, config);
    case 'status':
      return status(values, config);
    case 'serve':
      await serve(config);
      return new Promise<number>(() => undefined);
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

/** Runs the CLI with this process's arguments and exits with its code. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(
        error instanceof UsageError
          ? `${error.message}\n\n${USAGE}`
          : error instanceof Error
            ? error.message
            : error,
      );
      process.exit(2);
    },
  );
}

if (require.main === module) run();
