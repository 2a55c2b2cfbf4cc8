/**
 * Builds appPackage/build/appPackage.<env>.zip the way the Toolkit's teamsApp/zipAppPackage does:
 * manifest.json with its placeholders filled, plus the icons it names, at the zip root. Refuses to
 * write a package whose manifest or icons Teams would reject.
 */
import AdmZip from 'adm-zip';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnvironment } from './environment';
import { colorIconProblems, decodePng, outlineIconProblems } from './icon-rules';
import { validateTeamsManifest } from './manifest-schema';
import { fillJsonPlaceholders } from './placeholders';

export const ROOT_DIR = path.resolve(__dirname, '..', '..');

export class InvalidAppPackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`The app package is invalid:\n  ${problems.join('\n  ')}`);
  }
}

export interface TeamsManifestIcons {
  icons: { color: string; outline: string };
}

export interface BuiltAppPackage {
  zipPath: string;
  manifest: TeamsManifestIcons & Record<string, unknown>;
}

export function fillTeamsManifest(rootDir: string, envName: string): string {
  const manifestPath = path.join(rootDir, 'appPackage', 'manifest.json');
  return fillJsonPlaceholders(
    readFileSync(manifestPath, 'utf8'),
    loadEnvironment(rootDir, envName),
    `appPackage/manifest.json (env/.env.${envName})`,
  );
}

function iconProblems(rootDir: string, manifest: TeamsManifestIcons): string[] {
  const read = (file: string) => decodePng(readFileSync(path.join(rootDir, 'appPackage', file)));
  return [
    ...colorIconProblems(read(manifest.icons.color)).map((p) => `${manifest.icons.color} ${p}`),
    ...outlineIconProblems(read(manifest.icons.outline)).map((p) => `${manifest.icons.outline} ${p}`),
  ];
}

export function buildAppPackage(envName: string, rootDir: string = ROOT_DIR): BuiltAppPackage {
  const filled = fillTeamsManifest(rootDir, envName);
  const manifest = JSON.parse(filled) as BuiltAppPackage['manifest'];
  const problems = validateTeamsManifest(manifest);
  if (problems.length === 0) problems.push(...iconProblems(rootDir, manifest));
  if (problems.length > 0) throw new InvalidAppPackageError(problems);

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(filled, 'utf8'));
  for (const icon of [manifest.icons.color, manifest.icons.outline]) {
    zip.addFile(path.basename(icon), readFileSync(path.join(rootDir, 'appPackage', icon)));
  }
  const buildDir = path.join(rootDir, 'appPackage', 'build');
  mkdirSync(buildDir, { recursive: true });
  const zipPath = path.join(buildDir, `appPackage.${envName}.zip`);
  zip.writeZip(zipPath);
  return { zipPath, manifest };
}
