/**
 * `npm run package -- --env local|dev`: validates the filled Teams manifest and the icons, then
 * writes appPackage/build/appPackage.<env>.zip for sideloading (Teams → Apps → Manage your apps →
 * Upload a custom app).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildAppPackage } from './app-package/build-package';

function main(): number {
  const { values } = parseArgs({ options: { env: { type: 'string', default: 'local' } } });
  const envName = values.env ?? 'local';
  try {
    const built = buildAppPackage(envName);
    console.log(`wrote ${path.relative(process.cwd(), built.zipPath)}`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

process.exitCode = main();
