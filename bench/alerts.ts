/**
 * Alert delivery at scale: one failing tenant with 500 subscribed conversations, some of them
 * throttled by the connector (429 with Retry-After) at three points of the run. Starts its own
 * sandbox and bot (real botbuilder, real HTTPS) and a notifier on a fresh SQLite file, drains, and
 * prints one JSON line: delivered, duplicates, lost (from what the connector recorded), and `ratio`
 * = measured wall time ÷ the least time Teams' limits and the injected waits allow (see boundMs).
 */
import { statusReader } from '../api/src/status/read-status';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import type { DeliveryOutcome } from '../api/src/store/health-port';
import { openSqliteStore } from '../api/src/store/sqlite/sqlite-store';
import { createBot } from '../bot/src/create-bot';
import { DEFAULT_NOTIFIER_OPTIONS } from '../bot/src/notifier';
import { TEAMS_TENANT_WINDOWS } from '../bot/src/rate-limiter';
import { connectorState } from '../sandbox/src/connector/state';
import { ensureDevCertificates } from '../scripts/dev-certs';
import { startTestSandbox } from '../test/support/sandbox';
import { connectedIntegration, quietLog, sandboxBotSettings } from '../test/integration/bot-harness';

const CONVERSATIONS = 500;
/** Throttled answers injected once this many cards have been sent: `count` requests get 429 + Retry-After. */
const WAVES = [
  { afterSent: 0, count: 10, retryAfterMs: 1000 },
  { afterSent: 150, count: 10, retryAfterMs: 2000 },
  { afterSent: 300, count: 10, retryAfterMs: 3000 },
];
/** Installs per second: their welcome cards share the tenant's 50 per second with nothing else. */
const INSTALLS_PER_SECOND = 40;
const DRAIN_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A deadline that does not keep the process alive once the run is over. */
const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The least wall time Teams' documented limits allow for this run, in ms. The tenant window admits
 * `max` sends per `periodMs` (50 per second), so the k-th successful send comes no sooner than
 * floor((k − 1) / max) × periodMs after the first: the N-th bounds the run. Each conversation gets
 * one card, so its own windows (7/1 s, 8/2 s, 60/30 s) never bind. A wave injected after s sends
 * throttles requests made after the s-th send, hence no sooner than that send's earliest time; the
 * throttled conversation's card then comes no sooner than that plus the Retry-After. Throttled
 * answers are not counted as sends (the connector answers them before its rate limit), and neither
 * is anything our own client does (jittered back-off, its own rate limiter): the bound is the
 * workload's, so every inefficiency of the notifier shows in the ratio.
 */
export function boundMs(sent: number, waves: { afterSent: number; retryAfterMs: number }[]): number {
  const [window] = TEAMS_TENANT_WINDOWS;
  if (!window) throw new Error('no tenant window');
  const earliest = (k: number) => (k <= 1 ? 0 : Math.floor((k - 1) / window.max) * window.periodMs);
  return Math.max(earliest(sent), ...waves.map((w) => earliest(w.afterSent) + w.retryAfterMs));
}

/** MSAL and botbuilder read the CA bundle at process start: run again with the sandbox CA trusted. */
async function rerunTrustingSandboxCa(caPath: string): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
    stdio: 'inherit',
  });
  process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

export async function main(): Promise<void> {
  const certs = await ensureDevCertificates();
  if (process.env.NODE_EXTRA_CA_CERTS !== certs.paths.caCert)
    return rerunTrustingSandboxCa(certs.paths.caCert);

  const loadBefore = loadavg();
  const sandbox = await startTestSandbox();
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-bench-alerts-'));
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  const settings = sandboxBotSettings(sandbox);
  const progress = { onSettled: (_outcome: DeliveryOutcome) => undefined as void };
  // The notifier exactly as the server wires it (its options, its rate limiter), real clock and sleeps.
  const bot = createBot({
    settings,
    store,
    readStatus: statusReader(store, { appId: 'bench' }),
    log: quietLog,
    checkNow: async () => ({ status: 'not_connected' }),
    onSettled: (_claimed, outcome) => progress.onSettled(outcome),
  });
  const app = express();
  app.use(bot.router);
  const server = https.createServer({ cert: certs.tlsCertPem, key: certs.tlsKeyPem }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await sandbox.control('PUT', '/connector/bot-endpoint', {
      url: `https://127.0.0.1:${port}/api/messages`,
    });
    const tenant = sandbox.context.seed.tenants[0]!;
    const integration = await connectedIntegration(store, tenant.id, new Date());

    // 500 channel conversations of one tenant, installed as Teams would announce them.
    const starts: number[] = [];
    let next = 0;
    const installer = async () => {
      while (next < CONVERSATIONS) {
        const i = ++next;
        const recent = starts.filter((t) => t > performance.now() - 1000);
        if (recent.length >= INSTALLS_PER_SECOND) await sleep(recent[0]! + 1000 - performance.now());
        starts.push(performance.now());
        const res = await sandbox.control('POST', '/connector/install', {
          upn: 'admin@contoso.com',
          scope: 'team',
          teamName: `Bench team ${i}`,
        });
        if (res.status !== 200) throw new Error(`install ${i}: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, installer));
    const subscribed = (await store.listConversationSubscriptions(tenant.id)).length;
    if (subscribed !== CONVERSATIONS)
      throw new Error(`${subscribed} of ${CONVERSATIONS} conversations subscribed`);
    await sleep(1100); // the welcome cards leave the connector's tenant window

    const alert = await store.addAlert({
      tenantId: tenant.id,
      integrationId: integration.id,
      kind: 'failing',
      severity: 'critical',
      title: 'Bench: Exchange connection failing',
      summary: 'The app has no admin consent in your organisation.',
      failingCheck: 'token',
      microsoftCode: 'AADSTS7000229',
      since: new Date().toISOString(),
    });

    const feedBefore = connectorState(sandbox.context).feedSince(0).length;
    const injected: { afterSent: number; retryAfterMs: number; ruleId: number; count: number }[] = [];
    const inject = (wave: (typeof WAVES)[number]) => {
      const rule = sandbox.context.faults.add({
        service: 'connector',
        kind: 'throttle',
        ms: wave.retryAfterMs,
        count: wave.count,
      });
      injected.push({ ...wave, ruleId: rule.id });
    };
    let sent = 0;
    let settledFinal = 0;
    let throttled = 0;
    let lastSettleMs = 0;
    let finished!: () => void;
    const allSettled = new Promise<void>((resolve) => (finished = resolve));
    progress.onSettled = (outcome) => {
      if (outcome.status === 'pending' && outcome.error.startsWith('429')) throttled += 1;
      if (outcome.status === 'pending') return;
      if (outcome.status === 'sent') sent += 1;
      settledFinal += 1;
      lastSettleMs = performance.now();
      for (const wave of WAVES) {
        if (wave.afterSent > 0 && sent === wave.afterSent) inject(wave);
      }
      if (settledFinal === CONVERSATIONS) finished();
    };
    for (const wave of WAVES) if (wave.afterSent === 0) inject(wave);

    const startMs = performance.now();
    bot.notifier.start();
    await Promise.race([allSettled, deadline(DRAIN_TIMEOUT_MS)]);
    const wallMs = (settledFinal === CONVERSATIONS ? lastSettleMs : performance.now()) - startMs;
    await bot.notifier.stop();

    // What Teams (the sandbox connector) received: cards of this alert per conversation.
    const cards = new Map<string, number>();
    for (const entry of connectorState(sandbox.context).feedSince(feedBefore)) {
      if (!JSON.stringify(entry.activity).includes(alert.title)) continue;
      const thread = entry.conversationId.split(';')[0]!;
      cards.set(thread, (cards.get(thread) ?? 0) + 1);
    }
    const delivered = cards.size;
    const duplicates = [...cards.values()].reduce((n, c) => n + c - 1, 0);
    const deliveries = await store.listAlertDeliveries(tenant.id, alert.id);
    const unused = (ruleId: number) =>
      sandbox.context.faults.list().find((r) => r.id === ruleId)?.remaining ?? 0;
    const consumed = injected.map((w) => ({ ...w, used: w.count - unused(w.ruleId) }));
    const injected429 = consumed.reduce((n, w) => n + w.used, 0);
    const bound = boundMs(
      delivered,
      consumed.filter((w) => w.used > 0),
    );
    console.log(
      JSON.stringify({
        bench: 'alerts',
        delivered,
        duplicates,
        lost: CONVERSATIONS - delivered,
        ratio: Math.round((wallMs / bound) * 1000) / 1000,
        wallMs: Math.round(wallMs),
        boundMs: bound,
        conversations: CONVERSATIONS,
        tenants: 1,
        concurrency: DEFAULT_NOTIFIER_OPTIONS.concurrency,
        storeSent: deliveries.filter((d) => d.status === 'sent').length,
        storeOther: deliveries.filter((d) => d.status !== 'sent').length,
        injected429,
        rateLimit429: throttled - injected429,
        waves: consumed.map((w) => ({
          afterSent: w.afterSent,
          retryAfterMs: w.retryAfterMs,
          throttled: w.used,
        })),
        loadavg: {
          before: loadBefore.map((l) => Math.round(l * 100) / 100),
          after: loadavg().map((l) => Math.round(l * 100) / 100),
        },
      }),
    );
  } finally {
    await bot.notifier.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
