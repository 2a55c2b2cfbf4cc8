/**
 * `npm run smoke:prod`: proves the production artifact starts and serves. Builds it exactly as
 * deploy does (scripts/build-artifact.ts) into an empty temporary folder with production
 * dependencies only, starts a sandbox tenant, runs the artifact with plain `node` and a
 * production-like configuration pointed at that sandbox, and checks what a first user meets:
 * /healthz, the tab (compressed, cached correctly), an authenticated GET /api/me, every URL in the
 * Teams app package built for this origin as testers sideload it (developer links and tab pages
 * answer 200 with HTML; validDomains and the SSO resource name the app's host), and that the
 * development-only `--sandbox` option is refused by the shipped CLI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildArtifact } from './build-artifact';
import { freePort, httpsGet as get, waitForHealthy } from './process-probe';
import { ensureDevCertificates } from './dev-certs';
import { sandboxAppEnv } from './sandbox-env';
import { startSandbox } from '../sandbox/src/sandbox';
import { issueSsoToken } from '../sandbox/src/entra/sso';
import { buildPackageFor } from './app-package/package-for-origin';
import { checkManifestUrls } from './app-package/manifest-urls';

const checks: string[] = [];
function check(what: string, ok: boolean, detail = ''): void {
  if (!ok) throw new Error(`smoke:prod failed: ${what}${detail ? ` (${detail})` : ''}`);
  checks.push(what);
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'ec-smoke-'));
  const artifact = path.join(work, 'artifact');
  let child: ChildProcess | undefined;
  const sandboxes: Array<{ close(): Promise<void> }> = [];
  try {
    buildArtifact(artifact);
    const shipped = readdirSync(artifact).sort();
    check(
      'the artifact holds only what production runs',
      ['bin', 'dist', 'node_modules', 'package-lock.json', 'package.json', 'tab'].join() === shipped.join(),
      shipped.join(),
    );
    check(
      'no development dependency is installed',
      !readdirSync(path.join(artifact, 'node_modules')).some((d) =>
        ['tsx', 'jest', 'vite', 'typescript', 'eslint'].includes(d),
      ),
    );

    const certs = await ensureDevCertificates();
    const sandbox = await startSandbox({
      tls: { certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem, caCertPem: certs.caCertPem },
      appCertificatePems: [certs.appCertPem],
    });
    sandboxes.push(sandbox);
    const port = await freePort();
    const publicUrl = `https://localhost:${port}`;
    sandbox.context.appBaseUrl = publicUrl;
    const env = sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, certs, {
      EC_PUBLIC_URL: publicUrl,
      EC_PORT: String(port),
      EC_DATABASE_FILE: path.join(work, 'exchange-connect.db'),
      EC_LOG_LEVEL: 'warn',
    });
    // Only PATH and the app's own variables: nothing of this development shell leaks in.
    const productionEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env };
    let output = '';
    child = spawn(process.execPath, [path.join(artifact, 'dist', 'app', 'src', 'main.js')], {
      cwd: artifact,
      env: productionEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));

    const agent = new https.Agent({ ca: certs.caCertPem });
    await waitForHealthy(agent, `${publicUrl}/healthz`, child, () => output);
    check('GET /healthz answers 200', true);

    const tab = await get(agent, `${publicUrl}/tab/`);
    check(
      'GET /tab/ answers 200 with the tab',
      tab.status === 200 && tab.body.includes('<div id="root"'),
      String(tab.status),
    );
    check('the tab page is revalidated (no-cache)', tab.headers['cache-control'] === 'no-cache');
    const asset = /src="(\/tab\/assets\/[^"]+\.js)"/.exec(tab.body)?.[1];
    check('the tab page names a hashed script', Boolean(asset));
    const script = await get(agent, `${publicUrl}${asset}`, { 'accept-encoding': 'br, gzip' });
    check(
      'hashed assets are immutable for a year',
      script.headers['cache-control'] === 'public, max-age=31536000, immutable',
    );
    check(
      'hashed assets are compressed',
      ['br', 'gzip'].includes(String(script.headers['content-encoding'])),
    );

    const token = await issueSsoToken(sandbox.context, 'admin@contoso.com');
    const me = await get(agent, `${publicUrl}/api/me`, { authorization: `Bearer ${token}` });
    check(
      'an authenticated GET /api/me answers the signed-in admin',
      me.status === 200 && JSON.parse(me.body).upn === 'admin@contoso.com',
      `${me.status} ${me.body}`,
    );

    const { manifest } = buildPackageFor(publicUrl, path.join(work, 'app-package'));
    const urls = await checkManifestUrls(manifest, publicUrl, async (url) => {
      const answer = await get(agent, url);
      return { status: answer.status, contentType: String(answer.headers['content-type'] ?? '') };
    });
    const broken = urls.filter((u) => u.problem);
    check(
      'every URL in the built app package answers',
      broken.length === 0,
      broken.map((u) => `${u.what}: ${u.problem}`).join('; '),
    );
    for (const { what } of urls) check(`app package: ${what}`, true);

    const cli = spawnSync(
      process.execPath,
      [path.join(artifact, 'bin', 'exchange-connect.js'), 'status', '--sandbox'],
      {
        cwd: artifact,
        env: productionEnv,
        encoding: 'utf8',
      },
    );
    check(
      'the shipped CLI refuses --sandbox as a development option',
      cli.status !== 0 && /development option/.test(cli.stderr),
      cli.stderr,
    );

    child.kill('SIGTERM');
    await new Promise((resolve) => child?.once('exit', resolve));
    check('SIGTERM stops the artifact cleanly', child.exitCode === 0, `exit ${child.exitCode}\n${output}`);
    console.log(`smoke:prod passed (${checks.length} checks):\n${checks.map((c) => `  ✔ ${c}`).join('\n')}`);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(sandboxes.map((s) => s.close()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
