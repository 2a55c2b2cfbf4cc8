/**
 * Two app instances against one PostgreSQL, as App Service runs them: two real child processes
 * (`node --import tsx app/src/main.ts`) rather than two servers in the jest process, because a dead
 * worker must really be dead — SIGKILL leaves its jobs held and its leases taken, with no shutdown
 * code running — and because each instance then has its own pools, msal caches and event loop.
 *
 * A sandbox of generated Exchange Online tenants, consent granted, the store seeded with verified
 * Graph integrations, a 6-second health interval. Proven, from the database and the sandbox:
 *  - every integration is checked once per interval, never twice within one (runs ≥ 0.9 interval apart);
 *  - the alert outbox is delivered once: two admins' conversations each get one failing card,
 *    with both instances' notifiers draining the same outbox;
 *  - an instance killed while its checks hang on injected Graph latency: every integration it held
 *    is checked by the other instance once its job and lease expire;
 *  - the database password in EC_DATABASE_URL reaches no log line.
 */
import https from 'node:https';
import { generateSeed, generatedAdmin, generatedTenantId } from '../../sandbox/src/seed-generator';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import type { IntegrationStore } from '../../api/src/store/port';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { TestDatabases, rawQuery } from '../support/postgres';
import { consentAll, seedGraphIntegrations } from '../support/scale-seed';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { waitFor } from '../support/wait-for';
import { cardText, feed } from './bot-harness';

jest.setTimeout(300_000);

const TENANTS = 8;
const INTERVAL_MS = 6_000;
const LEASE_SECONDS = 10;
/** Injected on every Graph calendar read while the instance is killed: shorter than the lease. */
const HANG_MS = 8_000;
const PASSWORD = 'pg-pass-must-not-leak-4711';

const databases = new TestDatabases();
let sandbox: TestSandbox;
let store: IntegrationStore;
let databaseUrl: string;
let agent: https.Agent;
const apps: AppProcess[] = [];

interface Run {
  tenantId: string;
  at: number;
}

/** Every recorded run (one run id per run), oldest first. */
async function runs(): Promise<Run[]> {
  const rows = (await rawQuery(
    databaseUrl,
    `SELECT tenant_id, min(checked_at) AS at FROM health_results GROUP BY tenant_id, run_id ORDER BY at`,
  )) as Array<{ tenant_id: string; at: Date }>;
  return rows.map((r) => ({ tenantId: r.tenant_id, at: new Date(r.at).getTime() }));
}

async function leases(): Promise<Array<{ tenantId: string; owner: string | null; expiresAt: number }>> {
  const rows = (await rawQuery(
    databaseUrl,
    'SELECT tenant_id, lease_owner, lease_expires_at FROM integration_health',
  )) as Array<{ tenant_id: string; lease_owner: string | null; lease_expires_at: Date | null }>;
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    owner: r.lease_owner,
    expiresAt: r.lease_expires_at ? new Date(r.lease_expires_at).getTime() : 0,
  }));
}

function expectOncePerInterval(all: Run[]): void {
  for (let i = 1; i <= TENANTS; i++) {
    const times = all.filter((r) => r.tenantId === generatedTenantId(i)).map((r) => r.at);
    for (let k = 1; k < times.length; k++) {
      // The jitter is ±10 %: a second run within one interval would be closer than 0.9 interval.
      expect((times[k] ?? 0) - (times[k - 1] ?? 0)).toBeGreaterThanOrEqual(0.9 * INTERVAL_MS);
    }
  }
}

beforeAll(async () => {
  sandbox = await startTestSandbox({
    seed: generateSeed({ tenants: TENANTS }),
    appRequestsGraph: true,
    consentPropagationMs: 0,
  });
  agent = new https.Agent({ ca: sandbox.certs.caCertPem });
  await consentAll(sandbox, TENANTS);
  const url = new URL(await databases.create());
  // The test server trusts its user, so the password is never asked for: it is there to leak.
  url.password = PASSWORD;
  databaseUrl = url.toString();
  store = await openPostgresStore({ connectionString: databaseUrl });
  await seedGraphIntegrations(store, TENANTS, Date.now());

  const env = {
    ...sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
      EC_DATABASE_URL: databaseUrl,
      EC_DATABASE_FILE: '',
      EC_HEALTH_INTERVAL_MINUTES: String(INTERVAL_MS / 60_000),
      EC_HEALTH_LEASE_SECONDS: String(LEASE_SECONDS),
      EC_LOG_LEVEL: 'debug',
    }),
    // botbuilder fetches the channel's keys with Node's own trust store, as `npm start` sets it up.
    NODE_EXTRA_CA_CERTS: sandbox.certs.paths.caCert,
  };
  // Settled, so an instance that did start is still stopped by afterAll when the other did not.
  const started = await Promise.allSettled([startAppProcess(env, agent), startAppProcess(env, agent)]);
  for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  // The sandbox's Teams delivers installs to the first instance; both share the subscriptions.
  sandbox.context.appBaseUrl = apps[0]!.url;
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await store?.close();
  await databases.dropAll();
  agent?.destroy();
  await sandbox?.close();
});

it('checks every integration once per interval with two instances', async () => {
  expect(new Set(apps.map((a) => a.owner)).size).toBe(2);
  await waitFor(
    async () => {
      const all = await runs();
      return Array.from({ length: TENANTS }, (_, i) => generatedTenantId(i + 1)).every(
        (t) => all.filter((r) => r.tenantId === t).length >= 3,
      );
    },
    120_000,
    250,
  );
  expectOncePerInterval(await runs());
});

it('delivers each alert card once with both instances draining the outbox', async () => {
  const since = (await feed(sandbox)).reduce((max, e) => Math.max(max, e.seq), 0);
  const conversations: string[] = [];
  for (const i of [1, 2]) {
    // The bot alerts the admins the tab has seen: record each admin's tab visit first.
    const admin = sandbox.context.directory.findUser(generatedAdmin(i));
    if (!admin) throw new Error(`no sandbox user ${generatedAdmin(i)}`);
    const seenAt = new Date();
    await store.recordAdminSighting({
      tenantId: admin.tenant.id,
      userOid: admin.user.id,
      upn: generatedAdmin(i),
      seenAt,
      refreshIfSeenBefore: seenAt,
    });
    const installed = await sandbox.control<{ conversationId: string }>('POST', '/connector/install', {
      upn: generatedAdmin(i),
      scope: 'personal',
    });
    expect(installed.status).toBeLessThan(300);
    conversations.push(installed.body.conversationId);
  }
  await waitFor(
    async () =>
      (await Promise.all([1, 2].map((i) => store.listConversationSubscriptions(generatedTenantId(i))))).every(
        (s) => s.length === 1,
      ),
    30_000,
  );
  // The mailbox the health checks open goes away: a failure that repeats, then one failing alert per tenant.
  for (const i of [1, 2]) {
    expect((await sandbox.control('DELETE', `/exchange/mailboxes/${generatedAdmin(i)}`)).status).toBeLessThan(
      300,
    );
  }
  const failingCards = async () =>
    (await feed(sandbox, since)).filter(
      (e) => conversations.includes(e.conversationId) && cardText(e).includes('Exchange connection failing'),
    );
  await waitFor(
    async () => new Set((await failingCards()).map((e) => e.conversationId)).size === 2,
    120_000,
    250,
  );
  // Give both notifiers a few more rounds: nothing is sent twice.
  const seen = (await runs()).length;
  await waitFor(async () => (await runs()).length >= seen + 2 * TENANTS, 60_000, 250);
  const cards = await failingCards();
  expect(cards.map((e) => e.conversationId).sort()).toEqual([...conversations].sort());
  for (const i of [1, 2]) {
    expect((await store.listAlerts(generatedTenantId(i), { limit: 10 })).map((a) => a.kind)).toEqual([
      'failing',
    ]);
  }
});

it('lets the other instance take over the checks of an instance killed mid-check', async () => {
  const [victim, survivor] = apps as [AppProcess, AppProcess];
  sandbox.context.faults.add({ service: 'graph', operation: 'calendar', kind: 'latency', ms: HANG_MS });
  // Wait until the victim holds leases with its checks hanging on the latency.
  await waitFor(async () => (await leases()).some((l) => l.owner === victim.owner), 60_000, 100);
  await victim.kill();
  const killedAt = Date.now();
  const held = (await leases()).filter((l) => l.owner === victim.owner);
  sandbox.context.faults.clear();

  await waitFor(
    async () => {
      const after = (await runs()).filter((r) => r.at > killedAt);
      return held.every((l) => after.some((r) => r.tenantId === l.tenantId));
    },
    120_000,
    250,
  );
  const all = await runs();
  for (const lease of held) {
    // Taken over only once the dead worker's lease had expired, never while it was still held.
    const taken = all.find((r) => r.tenantId === lease.tenantId && r.at > killedAt);
    expect(taken?.at ?? 0).toBeGreaterThanOrEqual(lease.expiresAt);
    expect((await store.getIntegrationHealth(lease.tenantId))?.leaseOwner).not.toBe(victim.owner);
  }
  expectOncePerInterval(all);
  expect(held.length).toBeGreaterThan(0);
  expect(survivor.child.exitCode).toBeNull();
});

it('never logs the database password', () => {
  const output = apps.map((a) => a.output()).join('\n');
  expect(output.length).toBeGreaterThan(0);
  expect(output).not.toContain(PASSWORD);
  expect(output).toContain('"store":"postgres"');
});
