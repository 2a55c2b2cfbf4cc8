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
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import type { Integration } from '../../api/src/store/types';
import { createBot, type Bot } from '../../bot/src/create-bot';
import type { NotifierOptions } from '../../bot/src/notifier';
import type { CheckNow } from '../../bot/src/ports';
import type { BotSettings } from '../../bot/src/settings';
import type { TestSandbox } from '../support/sandbox';

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
  close(): Promise<void>;
}

export function sandboxBotSettings(sandbox: TestSandbox): BotSettings {
  const { urls, context, certs } = sandbox;
  return {
    auth: {
      mode: 'certificate',
      credentials: { appId: context.seed.bot.appId, certPem: certs.appCertPem, keyPem: certs.appKeyPem },
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
  const settings = sandboxBotSettings(sandbox);
  const bot = createBot({
    settings,
    store,
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
