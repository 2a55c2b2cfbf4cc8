/**
 * `npm run artifact [-- <folder>]`: the deployable artifact, exactly as `atk deploy` ships it and
 * `npm run smoke:prod` tests it. Compiles the server, CLI and bot to JavaScript and builds the tab
 * (`npm run build`), copies only what production runs (dist/, the built tab, bin/, package.json,
 * the lock file) into the folder, and installs the production dependencies there with
 * `npm ci --omit=dev`: no sources it does not run, no development dependencies.
 *
 * Native modules (better-sqlite3) are built for the Node.js that runs this script: build on the
 * platform and Node.js major version the web app runs (Linux, Node.js 22 on App Service).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
export const DEFAULT_ARTIFACT_DIR = path.join(ROOT, 'build', 'artifact');
/** The Node.js major version App Service runs (infra/azure.bicep linuxFxVersion). */
export const TARGET_NODE_MAJOR = 22;

/** What production runs, relative to the project root. */
const SHIPPED = ['dist', 'tab/dist', 'bin', 'package.json', 'package-lock.json'];

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

export function buildArtifact(
  outDir: string = DEFAULT_ARTIFACT_DIR,
  options: { install?: boolean } = {},
): string {
  run('npm', ['run', 'build', '--silent'], ROOT);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const item of SHIPPED) {
    const from = path.join(ROOT, item);
    if (!existsSync(from)) throw new Error(`${item} is missing after the build.`);
    cpSync(from, path.join(outDir, item), { recursive: true });
  }
  if (options.install ?? true) {
    run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], outDir);
  }
  return outDir;
}

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? DEFAULT_ARTIFACT_DIR);
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== TARGET_NODE_MAJOR) {
    console.warn(
      `Note: building with Node.js ${process.versions.node}; the web app runs Node.js ${TARGET_NODE_MAJOR}. ` +
        'Native modules in the artifact are built for this Node.js: deploy from a Node.js ' +
        `${TARGET_NODE_MAJOR} machine (or the pipeline) for App Service.`,
    );
  }
  buildArtifact(outDir);
  console.log(`Artifact ready in ${path.relative(process.cwd(), outDir) || '.'}`);
}
