/**
 * Health monitoring end to end with the real adapters (msal-node, the Graph client,
 * ews-javascript-api, Key Vault) against the sandbox tenant and the SQLite store, for both Exchange
 * Online protocols: a verified integration is healthy; revoking admin consent yields exactly one
 * failing alert after the damping runs; restoring it yields exactly one recovered alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { consentedAndVerified } from '../support/consented';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { loadConfig } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { buildAppGraph, type AppGraph } from '../../app/src/composition';
import type { SignedInUser } from '../../api/src/identity/port';
import { sealPassword, type SealingGrant } from '../../api/src/secrets/seal-password';

/** One sandbox tenant per protocol, so each test starts from an empty store for its tenant. */
const TENANTS = {
  graph: { id: '03017f7d-a934-418b-85f8-86d47d2aa0d0', domain: 'contoso.com' },
  ews: { id: '25a5889f-44ad-424a-afdd-3462d1003a0b', domain: 'northwind.com' },
} as const;
const adminOf = (tenant: { id: string; domain: string }): SignedInUser => ({
  tenantId: tenant.id,
  oid: 'admin-oid',
  upn: `admin@${tenant.domain}`,
  isGlobalAdmin: true,
});

let sandbox: TestSandbox;
let graph: AppGraph;
let dir: string;
/** The app's log: a health run that throws is logged as "health check run failed". */
const logLines: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  dir = mkdtempSync(path.join(tmpdir(), 'ec-health-'));
  const env = sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
    EC_DATABASE_FILE: path.join(dir, 'exchange-connect.db'),
  });
  // The app's own health scheduler, wired by the composition root as in production.
  graph = buildAppGraph(
    loadConfig(env),
    createLogger({ level: 'error', destination: { write: (line: string) => void logLines.push(line) } }),
  );
});

afterAll(async () => {
  await graph?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function checkNow(tenantId: string) {
  const result = await graph.health.checkNow(tenantId);
  if (result.status !== 'checked') throw new Error(`not checked: ${JSON.stringify(result)}`);
  return result.outcome;
}
const alertKinds = async (tenantId: string) =>
  (await graph.store.listAlerts(tenantId, { limit: 50 })).map((a) => a.kind).reverse();

const CHECKS_BY_PROTOCOL = {
  // Legacy EWS: its end date counts down and the tenant's EWS allow-list is checked.
  ews: ['certificate:ok', 'ewsRetirement:ok', 'token:ok', 'mailbox:ok', 'ewsAllowList:ok', 'rooms:ok'],
  graph: ['certificate:ok', 'token:ok', 'mailbox:ok', 'rooms:ok'],
} as const;

it.each(['graph', 'ews'] as const)(
  'over %s: stays healthy, alerts failing once after the damping runs when consent is revoked, and recovered once',
  async (protocol) => {
    const tenant = TENANTS[protocol];
    const tenantId = tenant.id;
    await sandbox.control('DELETE', '/graph/traffic');
    const ADMIN = adminOf(tenant);
    await consentedAndVerified(sandbox, graph, ADMIN, { domain: tenant.domain, protocol });

    const first = await checkNow(tenantId);
    expect(first.state).toBe('healthy');
    expect(first.results.map((r) => `${r.check}:${r.status}`)).toEqual(CHECKS_BY_PROTOCOL[protocol]);
    // The checks went over the protocol under test: Graph saw this tenant's requests, or none.
    const graphTraffic = (await sandbox.control<{ value: unknown[] }>('GET', '/graph/traffic')).body.value;
    expect(graphTraffic.length > 0).toBe(protocol === 'graph');
    expect(first.results.find((r) => r.check === 'rooms')?.detail?.['total']).toBeGreaterThan(0);
    expect(await alertKinds(tenantId)).toEqual([]);

    expect((await sandbox.control('DELETE', `/entra/consent/${tenantId}`)).status).toBeLessThan(300);
    const blip = await checkNow(tenantId);
    expect(blip.state).toBe('healthy');
    expect(blip.results.find((r) => r.check === 'token')).toMatchObject({
      status: 'fail',
      diagnostic: { kind: 'consent_missing' },
    });
    expect(await alertKinds(tenantId)).toEqual([]);

    expect((await checkNow(tenantId)).state).toBe('failing');
    expect((await checkNow(tenantId)).state).toBe('failing');
    const [failing] = await graph.store.listAlerts(tenantId, { limit: 50 });
    expect(await alertKinds(tenantId)).toEqual(['failing']);
    expect(failing).toMatchObject({
      severity: 'critical',
      failingCheck: 'token',
      microsoftCode: expect.stringMatching(/^AADSTS\d+$/),
      remediation: expect.stringContaining('admin consent'),
    });

    expect((await sandbox.control('POST', '/entra/consent', { tenant: tenant.domain })).status).toBe(201);
    expect((await checkNow(tenantId)).state).toBe('healthy');
    expect((await checkNow(tenantId)).state).toBe('healthy');
    expect(await alertKinds(tenantId)).toEqual(['failing', 'recovered']);
    expect(logLines.filter((line) => line.includes('health check run failed'))).toEqual([]);

    // Issue 11: the admin who connected leaves (mailbox deleted). Health checks a room and only
    // notes that the verification mailbox is gone: healthy, and no alert.
    expect((await sandbox.control('DELETE', `/exchange/mailboxes/${ADMIN.upn}`)).status).toBeLessThan(300);
    for (let run = 0; run < 3; run++) {
      const afterLeaving = await checkNow(tenantId);
      expect(afterLeaving.state).toBe('healthy');
      expect(afterLeaving.results.find((r) => r.check === 'mailbox')).toMatchObject({
        status: 'ok',
        detail: {
          mailbox: expect.stringMatching(new RegExp(`^room\\..*@${tenant.domain.replace('.', '\\.')}$`)),
          verificationMailbox: ADMIN.upn,
          verificationMailboxGone: true,
        },
      });
      expect(afterLeaving.results.find((r) => r.check === 'rooms')?.status).toBe('ok');
    }
    expect(await alertKinds(tenantId)).toEqual(['failing', 'recovered']);
  },
);

it('over Basic Authentication (Exchange Server): a changed service-account password alerts failing once, and the fix recovers', async () => {
  const FABRIKAM = { id: '69e46513-af5b-44b0-8c4f-7a95a633f186', domain: 'fabrikam.com' };
  const admin = adminOf(FABRIKAM);
  const account = 'svc-ews@fabrikam.com';
  const setPassword = async (password: string) =>
    expect(
      (await sandbox.control('PUT', `/exchange/service-accounts/${account}/password`, { password })).status,
    ).toBeLessThan(300);
  // What the tab does: a grant for this admin and purpose, then the password sealed with it.
  const sealed = async (password: string, purpose: 'connect' | 'update' = 'connect') =>
    sealPassword(
      (await graph.sealer.grant({ tenantId: admin.tenantId, userId: admin.oid, purpose })) as SealingGrant,
      password,
    );
  const ewsUrl = `${sandbox.urls.exchangeServer}/EWS/Exchange.asmx`;

  await setPassword('First-Passw0rd');
  const connected = await graph.service.connectBasic(admin, {
    ewsUrl,
    serviceAccount: account,
    sealedPassword: await sealed('First-Passw0rd'),
  });
  expect(connected).toMatchObject({ outcome: 'verified' });
  expect((await checkNow(FABRIKAM.id)).state).toBe('healthy');

  // Active Directory changes the password; Exchange Connect still holds the old one.
  await setPassword('Second-Passw0rd');
  const states = [];
  for (let run = 0; run < 3; run++) states.push((await checkNow(FABRIKAM.id)).state);
  expect(states).toEqual(['healthy', 'failing', 'failing']);
  const [failing] = await graph.store.listAlerts(FABRIKAM.id, { limit: 50 });
  expect(await alertKinds(FABRIKAM.id)).toEqual(['failing']);
  expect(failing).toMatchObject({ failingCheck: 'mailbox', microsoftCode: expect.any(String) });

  const fixed = await graph.service.updatePassword(admin, await sealed('Second-Passw0rd', 'update'));
  expect(fixed).toMatchObject({ outcome: 'verified' });
  expect((await checkNow(FABRIKAM.id)).state).toBe('healthy');
  expect(await alertKinds(FABRIKAM.id)).toEqual(['failing', 'recovered']);
});
