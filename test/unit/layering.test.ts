/**
 * Who may import whom (DESIGN.md): the lint rules in eslint.config.mjs, each shown refusing the
 * import it exists for, and shipped code importing only production dependencies.
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..');
const SHIPPED = ['app/src', 'api/src', 'bot/src'];

/**
 * ESLint loads its (ESM) config with a dynamic import, which jest's VM cannot run: the cases are
 * linted by the project's own ESLint in one child process instead.
 */
const LINT_CASES = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: process.cwd() });
(async () => {
  const out = [];
  for (const [file, target] of cases) {
    const [result] = await eslint.lintText("import '" + target + "';\\n", { filePath: file });
    out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

function restrictedImportsOf(cases: readonly (readonly [string, string])[]): string[][] {
  const input = JSON.stringify(cases.map(([file, target]) => [path.join(ROOT, file), target]));
  return JSON.parse(
    execFileSync(process.execPath, ['-e', LINT_CASES], { cwd: ROOT, input }).toString(),
  ) as string[][];
}

const REFUSED: readonly [string, string, RegExp][] = [
  ['app/src/cli.ts', '../../sandbox/src/seed', /development tooling/],
  ['app/src/cli.ts', '../../scripts/sandbox-env', /development tooling/],
  ['api/src/config.ts', '../../scripts/dev-certs', /development tooling/],
  ['bot/src/notifier.ts', '../../sandbox/src/faults', /development tooling/],
  ['api/src/integrations/service.ts', '../../../bot/src/create-bot', /api\/ never imports bot\//],
  ['api/src/health/monitor.ts', '../../../app/src/composition', /api\/ never imports bot\//],
  ['api/src/identity/port.ts', '../http/contract', /never imports HTTP view types/],
  ['bot/src/notifier.ts', '../../api/src/store/sqlite/sqlite-store', /sees only ports/],
  ['bot/src/notifier.ts', '../../api/src/health/scheduler', /sees only ports/],
  ['bot/src/cards/card.ts', '../../../api/src/remediation', /sees only ports/],
  ['tab/src/App.tsx', '../../api/src/config', /imports only the API contract/],
  ['tab/src/App.tsx', '../../bot/src/cards/card', /imports only the API contract/],
];
const ALLOWED: readonly [string, string][] = [
  ['bot/src/notifier.ts', '../../api/src/store/port'],
  ['bot/src/notifier.ts', '../../api/src/store/health-port'],
  ['bot/src/notifier.ts', '../../api/src/store/health-types'],
  ['bot/src/notifier.ts', '../../api/src/store/errors'],
  ['bot/src/cards/card.ts', '../../../api/src/health/port'],
  ['api/src/http/routes.ts', './contract'],
  ['app/src/composition.ts', '../../bot/src/create-bot'],
  ['tab/src/App.tsx', '../../api/src/http/contract'],
  ['tab/src/api/sealing.ts', '../../../api/src/secrets/seal-password'],
];

describe('the layering lint rules', () => {
  let refused: string[][];
  let allowed: string[][];
  beforeAll(() => {
    const all = restrictedImportsOf([...REFUSED.map(([f, t]) => [f, t] as const), ...ALLOWED]);
    refused = all.slice(0, REFUSED.length);
    allowed = all.slice(REFUSED.length);
  });

  it.each(REFUSED.map((c, i) => [...c, i] as const))('%s may not import %s', (_file, _target, reason, i) => {
    expect(refused[i]).toEqual([expect.stringMatching(reason)]);
  });

  it.each(ALLOWED.map((c, i) => [...c, i] as const))('%s may import %s', (_file, _target, i) => {
    expect(allowed[i]).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry) ? [full] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

describe('shipped code', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const builtins = new Set(builtinModules);

  it('imports only Node built-ins and production dependencies (npm ci --omit=dev has them all)', () => {
    const offending: string[] = [];
    for (const file of SHIPPED.flatMap((dir) => sourceFiles(path.join(ROOT, dir)))) {
      const text = readFileSync(file, 'utf8');
      const imports =
        /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\brequire\('([^']+)'\)/gm;
      for (const match of text.matchAll(imports)) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? '';
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        if (!(packageOf(specifier) in manifest.dependencies)) {
          offending.push(`${path.relative(ROOT, file)} → ${specifier}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
