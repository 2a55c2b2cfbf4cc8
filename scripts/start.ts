/** `npm start`: the sandbox tenant and the app in one process, zero configuration. */
import { createHash, X509Certificate } from 'node:crypto';
import { ensureDevCertificates } from './dev-certs';
import { rmSync } from 'node:fs';
import { LOCAL_DATABASE_FILE, sandboxAppEnv } from './sandbox-env';
import { startDefaultSandbox, describeSandbox } from '../sandbox/src/main';
import { loadConfig } from '../api/src/config';
import { startAppServer } from '../app/src/server';

/** Chromium's flag to trust exactly the sandbox TLS key, without trusting anything else. */
function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

async function main() {
  const certs = await ensureDevCertificates();
  // The sandbox tenant lives in memory: the demo database starts fresh with it, so the two agree.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${LOCAL_DATABASE_FILE}${suffix}`, { force: true });
  const sandbox = await startDefaultSandbox();
  const config = loadConfig(sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, certs));
  const app = await startAppServer(config);
  sandbox.context.appBaseUrl = config.publicUrl;

  console.log(describeSandbox(sandbox));
  console.log(`
Exchange Connect is running at ${config.publicUrl} (demo data: ${LOCAL_DATABASE_FILE}, fresh each start)

  Open the demo (Teams host with the tab, sign in as any sandbox user):
    ${sandbox.urls.home}/

  Every origin uses the sandbox CA (${certs.paths.caCert}). Either trust that CA in your
  browser, or start Chromium trusting only the sandbox key:
    chromium --user-data-dir=$(mktemp -d) --ignore-certificate-errors-spki-list=${spkiHash(certs.tlsCertPem)} ${sandbox.urls.home}/
`);
  const stop = () => void Promise.all([app.close(), sandbox.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
