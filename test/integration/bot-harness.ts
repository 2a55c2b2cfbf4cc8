/**
 * Runs the real alert bot (createBot: botbuilder CloudAdapter, activity handler, notifier) over
 * HTTPS against a sandbox, with an injectable clock and a sleep that only moves that clock, and a
 * SQLite store in a temporary file (so a second notifier can open the same database).
 */
import { statusReader } from '../../api/src/status/read-status';
import express from 'express';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../api/src/logger';
import { testPolicy } from '../support/outbound';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import type { Integration } from '../../api/src/store/types';
import { createBot, type Bot } from '../../bot/src/create-bot';
import type { NotifierOptions } from '../../bot/src/notifier';
import type { BotTokenSource, CheckNow } from '../../bot/src/ports';
import type { BotSettings } from '../../bot/src/settings';
import { AdminRecognition } from '../../api/src/identity/admin-recognition';
import { botTokenSource } from '../../app/src/bot-token-source';
import type { TestSandbox } from '../support/sandbox';
import { createMsalNetworkClient } from '../support/msal-network';

export interface FeedEntry {
  seq: number;
  conversationId: string;
  operation: 'send' | 'reply' | 'update' | 'create';
  activity: {
    id: string;
    type: string;
    text?: string;
    replyToId?: string;
    attachments?: {
      contentType: string;
      content: { body: { type: string; text?: string; items?: { text?: string }[] }[] };
    }[];
  };
}
export interface ChannelDelivery {
  conversationId: string;
  botStatus: number;
  botResponse?: unknown;
  deliveries: { activityType: string; status: number }[];
}

/** A clock the test moves; the bot's sleep advances it instead of waiting. */
export class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  sleep = async (ms: number): Promise<void> => {
    this.advance(ms);
  };
}

export interface BotHarness {
  bot: Bot;
  store: IntegrationStore;
  clock: TestClock;
  dbFile: string;
  endpoint: string;
  settings: BotSettings;
  checkNowCalls: string[];
  /** Who the harness bot serves: nobody until `recognise`. */
  admins: AdminRecognition;
  /** Token requests the bot's token source sent to the sandbox Entra ID. */
  botTokenRequests: TokenRequest[];
  /** Records `upn` as a Global Admin seen in the tab now (as GET /api/me does for an admin's token). */
  recognise(upn: string): Promise<void>;
  close(): Promise<void>;
}

export interface TokenRequest {
  /** Without the query (MSAL adds a client-request-id). */
  url: string;
  clientId: string | null;
  scope: string | null;
}

/** The bot's token source as the composition root builds it, on the sandbox Entra ID, recording each token request. */
export function sandboxBotTokens(sandbox: TestSandbox): { source: BotTokenSource; requests: TokenRequest[] } {
  const { urls, context, certs } = sandbox;
  const requests: TokenRequest[] = [];
  const network = createMsalNetworkClient(sandbox.agent);
  const source = botTokenSource(
    {
      botAppId: context.seed.bot.appId,
      appCertificate: { certPem: certs.appCertPem, keyPem: certs.appKeyPem },
      bot: { loginAuthority: `${urls.entra}/${context.seed.publisher.tenantId}` },
    },
    {
      policy: testPolicy({ caPem: certs.caCertPem }),
      networkClient: {
        sendGetRequestAsync: (url, options, timeout) => network.sendGetRequestAsync(url, options, timeout),
        sendPostRequestAsync: (url, options) => {
          const body = new URLSearchParams(options?.body ?? '');
          requests.push({
            url: url.split('?')[0]!,
            clientId: body.get('client_id'),
            scope: body.get('scope'),
          });
          return network.sendPostRequestAsync(url, options);
        },
      },
    },
  );
  return { source, requests };
}

export function sandboxBotSettings(
  sandbox: TestSandbox,
  tokens: BotTokenSource = sandboxBotTokens(sandbox).source,
): BotSettings {
  const { urls, context } = sandbox;
  return {
    auth: {
      mode: 'app',
      appId: context.seed.bot.appId,
      tokens,
      endpoints: {
        loginAuthority: `${urls.entra}/${context.seed.publisher.tenantId}`,
        oauthScope: 'https://api.botframework.com',
        openIdMetadataUrl: `${urls.connector}/v1/.well-known/openidconfiguration`,
        tokenIssuer: 'https://api.botframework.com',
      },
    },
    tab: { teamsAppId: '7b1c2e0a-5a57-4c43-9a0b-0a8f2f1f6a11', entityId: 'exchangeConnect' },
  };
}

/** How long a tab visit makes an admin recognised in the harness (the production default). */
export const HARNESS_RECOGNITION_DAYS = 30;

export const quietLog = createLogger({ level: 'silent' });

export async function startBotHarness(
  sandbox: TestSandbox,
  options: {
    dbFile?: string;
    clock?: TestClock;
    checkNow?: CheckNow;
    /** Use this store (not closed by the harness) instead of a fresh SQLite file. */
    store?: IntegrationStore;
    notifierOptions?: Partial<NotifierOptions>;
    random?: () => number;
  } = {},
): Promise<BotHarness> {
  const dir = options.dbFile ? undefined : mkdtempSync(path.join(tmpdir(), 'ec-bot-'));
  const dbFile = options.dbFile ?? path.join(dir!, 'store.db');
  const clock = options.clock ?? new TestClock();
  const store = options.store ?? openSqliteStore({ file: dbFile, clock: clock.now });
  const checkNowCalls: string[] = [];
  const tokens = sandboxBotTokens(sandbox);
  const settings = sandboxBotSettings(sandbox, tokens.source);
  const admins = new AdminRecognition({
    store,
    recognitionDays: HARNESS_RECOGNITION_DAYS,
    clock: clock.now,
    log: quietLog,
  });
  const bot = createBot({
    settings,
    store,
    admins,
    readStatus: statusReader(store, { appId: 'bot-harness', clock: clock.now }),
    log: quietLog,
    clock: clock.now,
    sleep: clock.sleep,
    random: options.random ?? (() => 0.5),
    ...(options.notifierOptions ? { notifierOptions: options.notifierOptions } : {}),
    checkNow: async (tenantId) => {
      checkNowCalls.push(tenantId);
      return options.checkNow ? options.checkNow(tenantId) : { status: 'not_connected' };
    },
  });
  const app = express();
  app.use(bot.router);
  const server = https.createServer({ cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `https://127.0.0.1:${port}/api/messages`;
  const set = await sandbox.control('PUT', '/connector/bot-endpoint', { url: endpoint });
  if (set.status !== 200) throw new Error(`bot-endpoint: ${set.status}`);
  return {
    bot,
    store,
    clock,
    dbFile,
    endpoint,
    settings,
    checkNowCalls,
    admins,
    botTokenRequests: tokens.requests,
    recognise: async (upn) => {
      const found = sandbox.context.directory.findUser(upn);
      if (!found) throw new Error(`no sandbox user ${upn}`);
      await admins.sawSignedIn({ tenantId: found.tenant.id, oid: found.user.id, upn, isGlobalAdmin: true });
    },
    close: async () => {
      await bot.notifier.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.store) await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function feed(sandbox: TestSandbox, since = 0): Promise<FeedEntry[]> {
  const res = await sandbox.control<{ value: FeedEntry[] }>('GET', `/connector/activities?since=${since}`);
  return res.body.value;
}

/** Every text of an Adaptive Card attachment, flattened, for assertions. */
export function cardText(entry: FeedEntry | undefined): string {
  const content = entry?.activity.attachments?.[0]?.content;
  return JSON.stringify(content ?? entry?.activity.text ?? '');
}

/** A verified modern integration for `tenantId`, as the connect flow leaves it. */
export async function connectedIntegration(
  store: IntegrationStore,
  tenantId: string,
  now: Date,
): Promise<Integration> {
  await store.upsertTenant({ id: tenantId });
  return store.saveIntegration(
    {
      id: `int-${tenantId.slice(0, 8)}`,
      tenantId,
      method: 'modern',
      status: 'verified',
      verifiedMailbox: 'admin@contoso.com',
      verifiedAt: now.toISOString(),
      consentedAt: now.toISOString(),
    },
    { expectedVersion: 0 },
  );
}

/** A health run whose token check failed twice in a row (AADSTS7000229): the integration is failing. */
export async function recordFailingTokenRun(
  store: IntegrationStore,
  integration: Integration,
  now: Date,
): Promise<void> {
  await store.recordHealthRun({
    integrationId: integration.id,
    tenantId: integration.tenantId,
    owner: 'test',
    runId: 'run-1',
    checkedAt: now.toISOString(),
    results: [
      {
        check: 'token',
        status: 'fail',
        durationMs: 12,
        diagnostic: {
          kind: 'consent_missing',
          code: 'AADSTS7000229',
          message: 'No service principal.',
          remediation: 'Grant consent again.',
        },
      },
    ],
    health: {
      state: 'failing',
      since: now.toISOString(),
      consecutiveFailures: 2,
      roomCursor: 0,
      lastRunAt: now.toISOString(),
      nextRunAt: new Date(now.getTime() + 900_000).toISOString(),
    },
  });
}
