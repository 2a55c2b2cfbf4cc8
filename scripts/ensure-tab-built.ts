/**
 * Builds the tab (vite) when tab/dist is missing or older than any of its sources, so `npm start`
 * and the browser tests always serve the tab as the code stands. A fresh build takes a few seconds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BUILT_MARKER = path.join(ROOT, 'tab', 'dist', 'index.html');

/** Everything the bundle is made of: the tab, the API types and helpers it imports, the lockfile. */
const SOURCES = [
  'tab/index.html',
  'tab/consent-end.html',
  'tab/vite.config.ts',
  'tab/src',
  'api/src/http/contract.ts',
  'api/src/secrets/seal-password.ts',
  'api/src/powershell-commands.ts',
  'api/src/exchange/ews-user-agent.ts',
  'api/src/room-scope-commands.ts',
  'api/src/vocabulary.ts',
  'api/src/integrations/steps.ts',
  'package-lock.json',
];

function newestMtimeMs(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce(
    (newest, entry) => Math.max(newest, newestMtimeMs(path.join(target, entry))),
    0,
  );
}

export function tabBuildIsStale(): boolean {
  if (!existsSync(BUILT_MARKER)) return true;
  const builtAt = statSync(BUILT_MARKER).mtimeMs;
  return SOURCES.some((source) => newestMtimeMs(path.join(ROOT, source)) > builtAt);
}

export function ensureTabBuilt(): void {
  if (!tabBuildIsStale()) return;
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'tab/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    },
  );
}

if (require.main === module) ensureTabBuilt();
