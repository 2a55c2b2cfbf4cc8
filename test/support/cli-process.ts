/**
 * Runs `bin/exchange-connect.js` as a real child process, as an operator runs it: its own exit
 * code, stdout and stderr, an environment of only what the test gives it (no NODE_EXTRA_CA_CERTS
 * from jest: the CLI must trust the sandbox through its configuration alone).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'exchange-connect.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string; killAfterMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: path.dirname(path.dirname(BIN)),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Only bounds a hang; nothing asserts on time.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 110_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** What must never reach a terminal: a JavaScript stack frame. */
export const STACK_FRAME = /^\s+at .+[(:]\d+/m;
