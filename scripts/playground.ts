/**
 * `npm run playground`: the alert bot for the Microsoft 365 Agents Playground, offline. The bot
 * listens on http://localhost:3978/api/messages with NO authentication (the Playground sends
 * unsigned requests and takes replies without a token), which is why this mode exists only here,
 * bound to localhost, and is never reachable from the server's configuration.
 *
 * To watch alerts arrive: `curl -X POST localhost:3978/_playground/alerts -d kind=failing`
 * (or `kind=recovered`) writes a demo alert into the outbox for every tenant that chatted with the
 * bot; the notifier delivers it through the same path as production.
 *
 * Environment: PORT (3978), PLAYGROUND_PORT (56150), EC_PLAYGROUND_DATABASE_FILE
 * (.local/playground.db), EC_PLAYGROUND_NO_UI=true to start only the bot.
 */
import { statusReader } from '../api/src/status/read-status';
import express from 'express';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../api/src/logger';
import { openSqliteStore } from '../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../api/src/store/port';
import { createBot, type Bot } from '../bot/src/create-bot';

export interface PlaygroundBot {
  bot: Bot;
  url: string;
  close(): Promise<void>;
}

const DEMO_ALERTS = {
  failing: {
    kind: 'failing',
    severity: 'critical',
    title: 'Exchange connection failing: App-only token',
    summary: 'Exchange Connect has no admin consent in your organisation (never granted, or revoked).',
    failingCheck: 'token',
    microsoftCode: 'AADSTS7000229',
    remediation:
      'A Global Administrator grants it again from the Exchange Connect tab: Connect → Exchange Online → Grant admin consent.',
  },
  recovered: {
    kind: 'recovered',
    severity: 'info',
    title: 'Exchange connection recovered',
    summary: 'Every check passes again; the failure is over.',
  },
} as const;

/** Demo data for the Playground only: a verified integration and one alert in the real outbox. */
async function raiseDemoAlert(store: IntegrationStore, tenantId: string, kind: keyof typeof DEMO_ALERTS) {
  await store.upsertTenant({ id: tenantId, displayName: 'Agents Playground' });
  const integration =
    (await store.getIntegration(tenantId)) ??
    (await store.saveIntegration(
      { id: `playground-${tenantId}`, tenantId, method: 'modern', status: 'verified' },
      { expectedVersion: 0 },
    ));
  return store.addAlert({
    tenantId,
    integrationId: integration.id,
    ...DEMO_ALERTS[kind],
    since: new Date().toISOString(),
  });
}

export async function startPlaygroundBot(options: {
  port: number;
  databaseFile: string;
  log: Logger;
}): Promise<PlaygroundBot> {
  const { log } = options;
  const store = openSqliteStore({ file: options.databaseFile });
  const bot = createBot({
    settings: {
      auth: { mode: 'dangerouslyUnauthenticatedForPlayground' },
      tab: { teamsAppId: 'exchange-connect-playground', entityId: 'exchangeConnect' },
    },
    store,
    readStatus: statusReader(store, { appId: 'exchange-connect-playground' }),
    log,
    // No Exchange behind the Playground, so no checks: the status card says what is stored.
    checkNow: async () => ({ status: 'not_connected' }),
    notifierOptions: { pollIntervalMs: 1000 },
  });
  const tenants = new Set<string>();
  const app = express();
  app.post('/api/messages', express.json({ limit: '1mb' }), (req, _res, next) => {
    const tenantId = (req.body as { conversation?: { tenantId?: unknown } } | undefined)?.conversation
      ?.tenantId;
    if (typeof tenantId === 'string' && tenantId) tenants.add(tenantId);
    next();
  });
  app.use(bot.router);
  app.post(
    '/_playground/alerts',
    express.urlencoded({ extended: false }),
    express.json(),
    async (req, res) => {
      const kind =
        (req.body as { kind?: unknown } | undefined)?.kind === 'recovered' ? 'recovered' : 'failing';
      const alerts = await Promise.all([...tenants].map((t) => raiseDemoAlert(store, t, kind)));
      res.status(201).json({ value: alerts.map((a) => ({ id: a.id, tenantId: a.tenantId, kind: a.kind })) });
    },
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  bot.notifier.start();
  return {
    bot,
    url: `http://localhost:${port}/api/messages`,
    close: async () => {
      await bot.notifier.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** The Playground's own CLI (its web UI and mock connector), pointed at the bot. */
export function startPlaygroundUi(
  appEndpoint: string,
  port: number,
  stdio: 'inherit' | 'pipe' = 'inherit',
): ChildProcess {
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  return spawn(
    process.execPath,
    [
      cli,
      '--app-endpoint',
      appEndpoint,
      '--port',
      String(port),
      '--channel-id',
      'msteams',
      '--disable-telemetry',
    ],
    { stdio },
  );
}

async function main(): Promise<void> {
  const log = createLogger({ name: 'playground-bot' });
  const databaseFile = process.env.EC_PLAYGROUND_DATABASE_FILE ?? path.join('.local', 'playground.db');
  mkdirSync(path.dirname(path.resolve(databaseFile)), { recursive: true });
  const playground = await startPlaygroundBot({ port: Number(process.env.PORT ?? 3978), databaseFile, log });
  log.warn({ url: playground.url }, 'DANGER: bot without authentication, for the Agents Playground only');
  const ui =
    process.env.EC_PLAYGROUND_NO_UI === 'true'
      ? undefined
      : startPlaygroundUi(playground.url, Number(process.env.PLAYGROUND_PORT ?? 56150));
  const shutdown = async () => {
    ui?.kill('SIGTERM');
    await playground.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
