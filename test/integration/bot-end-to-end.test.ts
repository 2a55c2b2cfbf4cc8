/**
 * The whole alert path with every real adapter against the sandbox: the bot installed in two
 * Contoso conversations (and one of Fabrikam); admin consent revoked in the sandbox Entra ID; the
 * bot's `check` command runs the health checks (msal-node, EWS) until the failure is confirmed;
 * the notifier delivers exactly one failing card per Contoso conversation; consent restored → one
 * recovery card each, closing the incident in place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../api/src/config';
import { buildAppGraph, type AppGraph } from '../../app/src/composition';
import { createLogger } from '../../api/src/logger';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { consentedAndVerified } from '../support/consented';
import { CHECK_INTERVAL_MS } from '../../bot/src/activity-handler';
import { cardText, feed, startBotHarness, type BotHarness, type ChannelDelivery } from './bot-harness';

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

describe('revoke consent → one failing card per subscribed conversation → fix → one recovery card', () => {
  let sandbox: TestSandbox;
  let graph: AppGraph;
  let harness: BotHarness;
  let dir: string;
  /**
   * The health run the bot's last `check` started. The harness's sleep returns at once, so the bot
   * answers "still running" before the run ends: each step waits for it, not for the reply alone.
   */
  let lastRun: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'ec-bot-e2e-'));
    const config = loadConfig(
      sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
        EC_DATABASE_FILE: path.join(dir, 'exchange-connect.db'),
        EC_LOG_LEVEL: 'silent',
      }),
    );
    // The app's own health scheduler, wired by the composition root as in production.
    graph = buildAppGraph(config, createLogger({ level: 'silent' }));
    harness = await startBotHarness(sandbox, {
      store: graph.store,
      checkNow: (tenant) => {
        const run = graph.health.checkNow(tenant);
        lastRun = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await graph?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const install = async (upn: string, scope: 'personal' | 'team', teamName?: string) =>
    (
      await sandbox.control<ChannelDelivery>('POST', '/connector/install', {
        upn,
        scope,
        ...(teamName ? { teamName } : {}),
      })
    ).body.conversationId;
  const check = async (conversationId: string) => {
    // One `check` a minute per conversation: each run here comes a minute after the last.
    harness.clock.advance(CHECK_INTERVAL_MS);
    const res = await sandbox.control<ChannelDelivery>('POST', '/connector/messages', {
      conversationId,
      upn: 'admin@contoso.com',
      text: 'check',
    });
    expect(res.body.botStatus).toBe(200);
    await lastRun;
  };

  it('delivers exactly one failing card, then one recovery card, per subscribed conversation', async () => {
    // The admin opened the tab (so the bot serves them) and chose the IT channel for alerts.
    await harness.recognise('admin@contoso.com');
    await harness.recognise('admin@fabrikam.com');
    const personal = await install('admin@contoso.com', 'personal');
    const team = await install('admin@contoso.com', 'team', 'IT');
    const fabrikam = await install('admin@fabrikam.com', 'personal');
    await sandbox.control('POST', '/connector/messages', {
      conversationId: team,
      upn: 'admin@contoso.com',
      text: 'alerts on',
    });

    await consentedAndVerified(
      sandbox,
      graph,
      { tenantId: CONTOSO, oid: 'admin-oid', upn: 'admin@contoso.com', isGlobalAdmin: true },
      { domain: 'contoso.com' },
    );
    await check(personal);
    expect(await harness.bot.notifier.drainOnce()).toMatchObject({ planned: 0, sent: 0 });

    const start = (await feed(sandbox)).length;
    expect((await sandbox.control('DELETE', `/entra/consent/${CONTOSO}`)).status).toBeLessThan(300);
    for (let run = 0; run < 3; run++) {
      await check(personal);
      await harness.bot.notifier.drainOnce();
    }
    const alerts = await graph.store.listAlerts(CONTOSO, { limit: 10 });
    expect(alerts.map((a) => a.kind)).toEqual(['failing']);
    const failingCards = (await feed(sandbox))
      .slice(start)
      .filter((e) => e.operation !== 'update' && cardText(e).includes(alerts[0]!.title));
    expect(failingCards.map((e) => e.conversationId).sort()).toEqual([personal, team].sort());
    expect(failingCards.some((e) => e.conversationId === fabrikam)).toBe(false);
    expect(cardText(failingCards[0])).toMatch(/AADSTS\d+/);

    const afterFailure = (await feed(sandbox)).length;
    expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
    for (let run = 0; run < 2; run++) {
      await check(personal);
      await harness.bot.notifier.drainOnce();
    }
    expect((await graph.store.listAlerts(CONTOSO, { limit: 10 })).map((a) => a.kind)).toEqual([
      'recovered',
      'failing',
    ]);
    const recoveries = (await feed(sandbox)).slice(afterFailure).filter((e) => e.operation === 'update');
    expect(recoveries.map((e) => e.conversationId).sort()).toEqual([personal, team].sort());
    for (const update of recoveries) {
      expect(update.activity.id).toBe(
        failingCards.find((c) => c.conversationId === update.conversationId)?.activity.id,
      );
      expect(cardText(update)).toContain('Resolved');
    }
  });
});
