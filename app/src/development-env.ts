/**
 * The CLI's `--sandbox` option reads the development configuration from the source checkout's
 * `scripts/`, which never ships. It is resolved at run time, not imported, so the shipped code
 * depends on no development tooling; in the production artifact the module is simply absent.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { EnvName } from '../../api/src/config';

/** Where the development configuration lives, relative to this file in a source checkout. */
const DEVELOPMENT_ENV_MODULE = path.resolve(__dirname, '..', '..', 'scripts', 'sandbox-cli-env');

interface DevelopmentEnvModule {
  sandboxCliEnv(): Promise<Partial<Record<EnvName, string>>>;
}

function isDevelopmentEnvModule(value: unknown): value is DevelopmentEnvModule {
  return typeof value === 'object' && value !== null && 'sandboxCliEnv' in value;
}

/** The sandbox environment, or undefined when this is not a source checkout. */
export async function loadDevelopmentEnv(): Promise<Partial<Record<EnvName, string>> | undefined> {
  const load = createRequire(__filename);
  let found: string;
  try {
    found = load.resolve(DEVELOPMENT_ENV_MODULE);
  } catch {
    return undefined;
  }
  const loaded: unknown = load(found);
  if (!isDevelopmentEnvModule(loaded)) throw new Error(`${found} does not export sandboxCliEnv().`);
  return loaded.sandboxCliEnv();
}
