/**
 * The whole product against a fresh sandbox tenant: the real app server (real adapters, a fresh
 * SQLite file) configured for the sandbox exactly as `npm start` does, on ephemeral ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from './sandbox';
import type { SandboxOptions } from '../../sandbox/src/sandbox';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { freePort } from '../../scripts/process-probe';
import { loadConfig, type EnvName } from '../../api/src/config';
import { startAppServer, type AppServer, type HttpServerLimits } from '../../app/src/server';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import type { ConsentStartView, VerificationView } from '../../api/src/http/contract';
import { ConsentBrowser, type Page } from './consent-browser';
import { httpsJson } from './sandbox';
import { captureLog } from './log-capture';

export interface AppUnderTest {
  sandbox: TestSandbox;
  app: AppServer;
  appUrl: string;
  /** Everything the app logged, as written (JSON lines). */
  logs: string[];
  databaseFile: string;
  /** Every response body and header set the app sent to `call`, for leak searches. */
  responses: string[];
  /** The sandbox Teams host page signed in as `upn`, hosting the tab. */
  hostUrl(upn: string, extra?: Record<string, string>): string;
  /** Calls the app's API as `upn` (a fresh Teams SSO token), or without a token for null. */
  call<T>(upn: string | null, method: string, path: string, body?: unknown): ReturnType<typeof httpsJson<T>>;
  /** Walks the consent popup as `upn`: our start page, Entra's pages, the callback. */
  consentAs(
    upn: string,
    decision?: 'accept' | 'cancel',
    protocol?: 'graph' | 'ews',
  ): Promise<{ callback: Page; started: ConsentStartView; callbackUrl: string }>;
  /** The tab's Modern Authentication path as `upn`: admin consent, then a verification (its result). */
  connectModern(upn: string, protocol?: 'graph' | 'ews'): Promise<VerificationView>;
  close(): Promise<void>;
}

export async function startAppUnderTest(
  options: {
    sandbox?: Partial<Omit<SandboxOptions, 'tls'>>;
    env?: Partial<Record<EnvName, string>>;
    now?: () => number;
    /** The HTTP server's request timeouts and connection limits (defaults: production's). */
    serverLimits?: Partial<HttpServerLimits>;
  } = {},
): Promise<AppUnderTest> {
  const sandbox = await startTestSandbox(options.sandbox);
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-app-'));
  const databaseFile = path.join(dir, 'exchange-connect.db');
  const port = await freePort();
  const publicUrl = `https://localhost:${port}`;
  const { lines: logs, log } = captureLog('debug');
  const env = sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
    EC_PUBLIC_URL: publicUrl,
    EC_PORT: String(port),
    EC_DATABASE_FILE: databaseFile,
    EC_LOG_LEVEL: 'debug',
    ...options.env,
  });
  const config = loadConfig(env);
  const app = await startAppServer(config, {
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.serverLimits ? { limits: options.serverLimits } : {}),
  });
  sandbox.context.appBaseUrl = publicUrl;
  const responses: string[] = [];
  const browser = new ConsentBrowser(sandbox.agent, sandbox.urls.entra);
  const call = async <T>(upn: string | null, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = upn
      ? { authorization: `Bearer ${await issueSsoToken(sandbox.context, upn)}` }
      : {};
    const res = await httpsJson<T>(sandbox.agent, `${publicUrl}${path}`, method, body, headers);
    responses.push(JSON.stringify(res.body ?? ''), JSON.stringify(res.headers));
    return res;
  };
  const consentAs: AppUnderTest['consentAs'] = async (upn, decision = 'accept', protocol) => {
    const started = await call<ConsentStartView>(
      upn,
      'POST',
      '/api/integrations/modern/consent',
      protocol ? { protocol } : undefined,
    );
    if (started.status !== 201) throw new Error(`consent start answered ${started.status}`);
    const start = await browser.browse(started.body.startUrl);
    if (start.location !== started.body.consentUrl)
      throw new Error(`start page redirected to ${start.location}`);
    const redirect = await browser.consent(start.location, upn, decision);
    if (redirect.status !== 302 || !redirect.location)
      throw new Error(`consent page answered ${redirect.status}`);
    return {
      callback: await browser.browse(redirect.location),
      started: started.body,
      callbackUrl: redirect.location,
    };
  };
  return {
    responses,
    call,
    consentAs,
    connectModern: async (upn, protocol) => {
      await consentAs(upn, 'accept', protocol);
      return (await call<VerificationView>(upn, 'POST', '/api/integration/verify', {})).body;
    },
    sandbox,
    app,
    appUrl: publicUrl,
    logs,
    databaseFile,
    hostUrl: (upn, extra = {}) =>
      `${sandbox.urls.home}/?${new URLSearchParams({ user: upn, ...extra }).toString()}`,
    close: async () => {
      await app.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
