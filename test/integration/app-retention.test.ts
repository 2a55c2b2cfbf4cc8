/**
 * Retention in the running app: the server prunes on start with the limits its configuration names
 * (EC_RETENTION_*), health results at theirs through the scheduler, and /privacy says the same
 * limits. The database is seeded before the app opens it; the app's clock is injected.
 */
import type { HealthScheduler } from '../../api/src/health/scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { connectIntegration } from '../support/integration-rows';
import { auditBy } from '../support/store-contract/core-contract';
import { httpsGet } from '../../scripts/process-probe';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-28T10:00:00.000Z');
const TENANT = 'aaaaaaaa-0000-0000-0000-00000000000a';

describe('retention in the app', () => {
  let dir: string;
  let databaseFile: string;
  let app: AppUnderTest | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ec-retention-'));
    databaseFile = path.join(dir, 'exchange-connect.db');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes rows `daysAgo` old through a store whose clock says so. */
  async function seed(write: (store: IntegrationStore, at: (daysAgo: number) => void) => Promise<void>) {
    let now = NOW;
    const store = openSqliteStore({ file: databaseFile, clock: () => new Date(now) });
    try {
      await write(store, (daysAgo) => {
        now = NOW - daysAgo * DAY;
      });
    } finally {
      await store.close();
    }
  }

  const start = () =>
    startAppUnderTest({
      now: () => NOW,
      env: {
        EC_DATABASE_FILE: databaseFile,
        EC_RETENTION_AUDIT_DAYS: '30',
        EC_RETENTION_TRACE_DAYS: '20',
        EC_RETENTION_HEALTH_RESULT_DAYS: '3',
        EC_PUBLISHER_CONTACT: 'https://publisher.example/privacy',
        // Health runs only when the test asks (runDue), never on its own during the test.
        EC_HEALTH_INTERVAL_MINUTES: '1440',
      },
    });

  it('deletes what is past the configured limits when the server starts, and keeps the rest', async () => {
    await seed(async (store, at) => {
      await connectIntegration(store, TENANT, NOW);
      for (const days of [31, 29]) {
        at(days);
        await store.appendAudit(auditBy(TENANT, `audit-${days}`));
      }
      for (const days of [25, 21, 2]) {
        const startedAt = new Date(NOW - days * DAY).toISOString();
        await store.addTrace({
          integrationId: `int-${TENANT}`,
          tenantId: TENANT,
          outcome: 'verified',
          mailbox: `admin@${TENANT}`,
          startedAt,
          finishedAt: startedAt,
          steps: [],
        });
      }
    });
    const started = await start();
    await started.close(); // waits for the retention pass the start began
    const store = openSqliteStore({ file: databaseFile });
    try {
      expect((await store.listAudit(TENANT, { limit: 10 })).map((e) => e.action)).toEqual(['audit-29']);
      expect((await store.listTraces(TENANT, { limit: 10 })).map((t) => t.startedAt)).toEqual([
        new Date(NOW - 2 * DAY).toISOString(),
      ]);
    } finally {
      await store.close();
    }
    expect(started.logs.join('')).toMatch(/"deleted":\{"traces":2,"audit":1,"alerts":0,"consentStates":0\}/);
  });

  it('prunes health results at EC_RETENTION_HEALTH_RESULT_DAYS and shows the limits on /privacy', async () => {
    await seed(async (store, at) => {
      await connectIntegration(store, TENANT, NOW);
      at(4);
      const [claim] = await store.claimDueHealthChecks({
        owner: 'seed',
        now: new Date(NOW - 4 * DAY),
        leaseMs: 60_000,
        limit: 1,
        statuses: ['verified'],
      });
      if (!claim) throw new Error('no claim');
      const checkedAt = new Date(NOW - 4 * DAY).toISOString();
      await store.recordHealthRun({
        integrationId: claim.integration.id,
        tenantId: TENANT,
        owner: 'seed',
        runId: 'old-run',
        checkedAt,
        results: [{ check: 'token', status: 'ok', durationMs: 1 }],
        health: { ...claim.health, lastRunAt: checkedAt, nextRunAt: new Date(NOW + DAY).toISOString() },
      });
    });
    app = await start();
    // SQLite: the in-process scheduler, which prunes health results after a pass.
    await (app.app.graph.health as HealthScheduler).runDue();
    expect(await app.app.graph.store.listHealthResults(TENANT, { limit: 10 })).toEqual([]);

    const privacy = await httpsGet(app.sandbox.agent, `${app.appUrl}/privacy`);
    expect(privacy.status).toBe(200);
    expect(privacy.body).toContain('20 days; the newest trace of each connection is kept');
    expect(privacy.body).toMatch(/Health check results[\s\S]*?<td>3 days<\/td>/);
    expect(privacy.body).toMatch(/Audit log[\s\S]*?<td>30 days<\/td>/);
    expect(privacy.body).toContain(
      '<a href="https://publisher.example/privacy">https://publisher.example/privacy</a>',
    );
    const terms = await httpsGet(app.sandbox.agent, `${app.appUrl}/terms`);
    expect(terms.status).toBe(200);
    expect(terms.body).toContain('every 1 day');
  });
});
