/**
 * The app package exactly as `npm run package -- --env <env>` builds it for sideloading, pointed at
 * another origin the way a tester points it at a tunnel: env/.env.<env>.user overlays TAB_ENDPOINT,
 * TAB_DOMAIN and the bot's. Built in a scratch copy of the package sources, so the repository's own
 * appPackage/build and .env.<env>.user stay untouched.
 */
import AdmZip from 'adm-zip';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAppPackage, ROOT_DIR } from './build-package';
import type { BuiltTeamsManifest } from './manifest-urls';

export function buildPackageFor(
  origin: string,
  scratchDir: string,
  envName = 'local',
): { zipPath: string; manifest: BuiltTeamsManifest } {
  for (const file of ['manifest.json', 'color.png', 'outline.png']) {
    cpSync(path.join(ROOT_DIR, 'appPackage', file), path.join(scratchDir, 'appPackage', file));
  }
  const envFile = path.join(scratchDir, 'env', `.env.${envName}`);
  cpSync(path.join(ROOT_DIR, 'env', `.env.${envName}`), envFile);
  const host = new URL(origin).host;
  writeFileSync(
    `${envFile}.user`,
    `TAB_ENDPOINT=${origin}\nTAB_DOMAIN=${host}\nBOT_ENDPOINT=${origin}\nBOT_DOMAIN=${host}\n`,
  );
  const { zipPath } = buildAppPackage(envName, scratchDir);
  const manifest = JSON.parse(new AdmZip(zipPath).readAsText('manifest.json')) as BuiltTeamsManifest;
  return { zipPath, manifest };
}
