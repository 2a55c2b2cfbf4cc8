/**
 * The bot as the server wires it in: the `/api/messages` route (botbuilder CloudAdapter with Bot
 * Framework token validation), the activity handler, and the outbox notifier.
 *
 *   const bot = createBot({ settings, store, checkNow, log });
 *   app.use(bot.router);          // POST /api/messages
 *   bot.notifier.start();         // … await bot.notifier.stop() on shutdown
 */
import express from 'express';
import type { CloudAdapter } from 'botbuilder';
import { AlertBot } from './activity-handler';
import type { BotStore, CheckNow, Logger, StatusReader } from './ports';
import {
  botFrameworkAuthentication,
  createCloudAdapter,
  dangerouslyUnauthenticatedBotFrameworkAuthentication,
} from './adapter';
import { AlertNotifier, type NotifierDeps, type NotifierOptions } from './notifier';
import { BotFrameworkAlertSender } from './proactive-sender';
import { teamsRateLimiter } from './rate-limiter';
import type { BotSettings } from './settings';

export interface BotDeps {
  settings: BotSettings;
  store: BotStore;
  readStatus: StatusReader;
  checkNow: CheckNow;
  log: Logger;
  clock?: () => Date;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  notifierOptions?: Partial<NotifierOptions>;
  /** Called after each delivery is settled (metrics, benchmarks). */
  onSettled?: NotifierDeps['onSettled'];
}

export interface Bot {
  /** Serves POST /api/messages. */
  router: express.Router;
  adapter: CloudAdapter;
  handler: AlertBot;
  notifier: AlertNotifier;
}

export function createBot(deps: BotDeps): Bot {
  const { settings, log } = deps;
  const auth =
    settings.auth.mode === 'certificate'
      ? botFrameworkAuthentication(settings.auth.credentials, settings.auth.endpoints)
      : dangerouslyUnauthenticatedBotFrameworkAuthentication();
  const botAppId = settings.auth.mode === 'certificate' ? settings.auth.credentials.appId : '';
  const adapter = createCloudAdapter(auth, log);
  const handler = new AlertBot({
    store: deps.store,
    readStatus: deps.readStatus,
    checkNow: deps.checkNow,
    tab: settings.tab,
    log,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const clock = deps.clock ?? (() => new Date());
  const notifier = new AlertNotifier({
    store: deps.store,
    sender: new BotFrameworkAlertSender(adapter, botAppId, () => clock().getTime()),
    tab: settings.tab,
    log,
    clock,
    limiter: teamsRateLimiter(),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.notifierOptions ? { options: deps.notifierOptions } : {}),
    ...(deps.onSettled ? { onSettled: deps.onSettled } : {}),
  });
  const router = express.Router();
  router.post('/api/messages', express.json({ limit: '1mb' }), async (req, res) => {
    await adapter.process(req, res, (context) => handler.run(context));
  });
  return { router, adapter, handler, notifier };
}
