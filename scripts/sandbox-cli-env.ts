/**
 * The CLI's `--sandbox` configuration: the app's environment for a running `npm run sandbox`
 * (fixed ports, the seed, the development certificates). Development tooling: the shipped CLI
 * loads this module at run time only when `--sandbox` is given, and only in a source checkout.
 */
import type { EnvName } from '../api/src/config';
import { ensureDevCertificates } from './dev-certs';
import { defaultSandboxUrls, sandboxAppEnv } from './sandbox-env';
import { loadSeed } from '../sandbox/src/seed';

export async function sandboxCliEnv(): Promise<Partial<Record<EnvName, string>>> {
  return sandboxAppEnv({ urls: defaultSandboxUrls(), seed: loadSeed() }, await ensureDevCertificates());
}
