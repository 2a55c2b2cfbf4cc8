/**
 * Teams Toolkit environments: env/.env.<name> (committed) overlaid by env/.env.<name>.user (secrets,
 * git-ignored), read the way the Toolkit reads them (dotenv syntax).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

export type EnvironmentValues = Record<string, string>;

export class UnknownEnvironmentError extends Error {
  constructor(
    readonly envName: string,
    reason: string,
  ) {
    super(`Unknown environment "${envName}": ${reason}`);
  }
}

const ENV_NAME = /^[a-z0-9][a-z0-9-]*$/;

export function environmentFiles(rootDir: string, envName: string): { committed: string; user: string } {
  if (!ENV_NAME.test(envName)) throw new UnknownEnvironmentError(envName, 'not a valid environment name');
  const committed = path.join(rootDir, 'env', `.env.${envName}`);
  return { committed, user: `${committed}.user` };
}

export function loadEnvironment(rootDir: string, envName: string): EnvironmentValues {
  const files = environmentFiles(rootDir, envName);
  if (!existsSync(files.committed))
    throw new UnknownEnvironmentError(envName, `${files.committed} does not exist`);
  const values: EnvironmentValues = {};
  for (const file of [files.committed, files.user]) {
    if (!existsSync(file)) continue;
    for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
      if (value !== undefined) values[name] = value;
    }
  }
  return values;
}
