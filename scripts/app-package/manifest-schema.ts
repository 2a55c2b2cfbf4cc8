/**
 * Offline validation of a Teams app manifest against the official JSON schema for its
 * manifestVersion, as shipped in @microsoft/app-manifest (draft-04 schemas).
 */
import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const SCHEMAS_DIR = path.join(
  path.dirname(require.resolve('@microsoft/app-manifest/package.json')),
  'build',
  'json-schemas',
  'teams',
);

export function teamsSchemaPath(manifestVersion: string): string {
  const file = path.join(SCHEMAS_DIR, `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
  if (!/^\d+\.\d+$/.test(manifestVersion) || !existsSync(file)) {
    throw new Error(`No Teams manifest schema v${manifestVersion} in @microsoft/app-manifest`);
  }
  return file;
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(version: string): ValidateFunction {
  let validate = validators.get(version);
  if (!validate) {
    const schema = JSON.parse(readFileSync(teamsSchemaPath(version), 'utf8')) as object;
    // Same options as @microsoft/app-manifest's own validator.
    const ajv = new Ajv({ allErrors: true, strictTypes: false, logger: false });
    addFormats(ajv, ['uri', 'email', 'regex']);
    validate = ajv.compile(schema);
    validators.set(version, validate);
  }
  return validate;
}

/** Returns readable schema violations; an empty list means the manifest is valid. */
export function validateTeamsManifest(manifest: unknown): string[] {
  const version =
    typeof manifest === 'object' && manifest !== null && 'manifestVersion' in manifest
      ? String(manifest.manifestVersion)
      : '';
  if (!version) return ['/manifestVersion is missing'];
  const validate = validatorFor(version);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`,
  );
}

/** The newest released (not preview) schema version shipped in @microsoft/app-manifest. */
export function newestTeamsSchemaVersion(): string {
  const versions = readdirSync(SCHEMAS_DIR)
    .map((dir) => /^v(\d+)\.(\d+)$/.exec(dir))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const newest = versions.at(-1);
  if (!newest) throw new Error('@microsoft/app-manifest ships no Teams schemas');
  return `${newest[0]}.${newest[1]}`;
}
