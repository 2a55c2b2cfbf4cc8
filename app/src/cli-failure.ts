/**
 * How the CLI ends when a command could not give its answer: a usage error (exit 2), or "could not
 * run" (exit 3) for configuration, network and anything unexpected. Users read our sentences only:
 * an unexpected error goes to the log with its stack under a correlation id, and the terminal gets
 * a short message with that id and where the log is.
 */
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ConfigError } from '../../api/src/config';
import { ExchangeConnectError } from '../../api/src/errors';
import { createLogger, logUnexpected, type Logger } from '../../api/src/logger';

export const EXIT = {
  /** verify: verified; status: a connection found. */
  ok: 0,
  /** verify: not verified (failed or still pending); status: nothing found. */
  notVerified: 1,
  usage: 2,
  /** Configuration, network, or an unexpected error: the command could not give its answer. */
  couldNotRun: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What the user typed cannot run: exit 2, with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The database could not be opened: the cause goes to the log, not to the terminal. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(
    readonly usesPostgres: boolean,
    options: { cause: unknown },
  ) {
    super('The database could not be opened.', options);
  }
}

/** The CLI's log, JSON lines like the server's: $XDG_STATE_HOME/exchange-connect/cli.log. */
export function defaultLogFile(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'exchange-connect', 'cli.log');
}

export interface CliLog {
  log: Logger;
  /** Where it is written; undefined when the file could not be opened (the log is then off). */
  file: string | undefined;
}

/** Opens the log file (synchronous writes: every line is on disk before the process exits). */
export function openCliLog(file: string): CliLog {
  try {
    const destination = pino.destination({ dest: file, mkdir: true, sync: true, mode: 0o600 });
    return { log: createLogger({ destination, name: 'exchange-connect-cli' }), file };
  } catch {
    return { log: createLogger({ level: 'silent' }), file: undefined };
  }
}

/** Node's parseArgs errors: an unknown option, a missing value. */
function isArgumentError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** The exit code and the text for stderr for an error a command threw. */
export function failure(error: unknown, cli: CliLog, usage: string): { code: ExitCode; message: string } {
  if (error instanceof UsageError || isArgumentError(error)) {
    // Node's parseArgs sentence names the option; the hint about `--` after it helps nobody here.
    const sentence = error.message.replace(/\. To specify a positional argument.*$/s, '.');
    return { code: EXIT.usage, message: `${sentence}\n\n${usage}` };
  }
  if (error instanceof ConfigError) return { code: EXIT.couldNotRun, message: error.message };
  if (error instanceof ExchangeConnectError) {
    cli.log.warn({ kind: error.kind, code: error.code }, error.message);
    return { code: EXIT.couldNotRun, message: `${error.message}\n${error.remediation}` };
  }
  const id = logUnexpected(cli.log, error, 'exchange-connect could not run');
  const where = cli.file ? `; the details are in ${cli.file}` : '';
  const what =
    error instanceof StoreOpenError
      ? `Exchange Connect could not open its database (${error.usesPostgres ? 'EC_DATABASE_URL' : 'EC_DATABASE_FILE'}).`
      : 'Something unexpected went wrong; Exchange Connect could not finish.';
  return { code: EXIT.couldNotRun, message: `${what} Quote correlation id ${id}${where}.` };
}
