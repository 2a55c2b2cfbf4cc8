/**
 * Health monitoring end to end with the real adapters (msal-node, ews-javascript-api, Key Vault)
 * against the sandbox tenant and the SQLite store: a verified Exchange Online integration is healthy;
 * revoking admin consent yields exactly one failing alert after the damping runs; restoring it
 * yields exactly one recovered alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { loadConfig } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { buildAppGraph, type AppGraph } from '../../app/src/composition';
import type { SignedInUser } from '../../api/src/identity/port';

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const ADMIN: SignedInUser = {
  tenantId: CONTOSO,
  oid: 'admin-oid',
  upn: 'admin@contoso.com',
  isGlobalAdmin: true,
};

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

async function checkNow() {
  const result = await graph.health.checkNow(CONTOSO);
  if (result.status !== 'checked') throw new Error(`not checked: ${JSON.stringify(result)}`);
  return result.outcome;
}
const alertKinds = async () =>
  (await graph.store.listAlerts(CONTOSO, { limit: 50 })).map((a) => a.kind).reverse();

it('stays healthy, alerts failing once after the damping runs when consent is revoked, and recovered once', async () => {
  expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
  await graph.store.upsertTenant({ id: CONTOSO });
  await graph.store.saveIntegration(
    {
      id: randomUUID(),
      tenantId: CONTOSO,
      method: 'modern',
      status: 'verifying',
      consentedBy: ADMIN.upn,
      consentedAt: new Date(Date.now() - 3600_000).toISOString(),
    },
    { expectedVersion: 0 },
  );
  const verified = await graph.service.verify(ADMIN);
  expect(verified.outcome).toBe('verified');

  const first = await checkNow();
  expect(first.state).toBe('healthy');
  expect(first.results.map((r) => `${r.check}:${r.status}`)).toEqual([
    'certificate:ok',
    'token:ok',
    'mailbox:ok',
    'ewsAllowList:ok',
    'rooms:ok',
  ]);
  expect(first.results.find((r) => r.check === 'rooms')?.detail?.['total']).toBeGreaterThan(0);
  expect(await alertKinds()).toEqual([]);

  expect((await sandbox.control('DELETE', `/entra/consent/${CONTOSO}`)).status).toBeLessThan(300);
  const blip = await checkNow();
  expect(blip.state).toBe('healthy');
  expect(blip.results.find((r) => r.check === 'token')).toMatchObject({
    status: 'fail',
    diagnostic: { kind: 'consent_missing' },
  });
  expect(await alertKinds()).toEqual([]);

  expect((await checkNow()).state).toBe('failing');
  expect((await checkNow()).state).toBe('failing');
  const [failing] = await graph.store.listAlerts(CONTOSO, { limit: 50 });
  expect(await alertKinds()).toEqual(['failing']);
  expect(failing).toMatchObject({
    severity: 'critical',
    failingCheck: 'token',
    microsoftCode: expect.stringMatching(/^AADSTS\d+$/),
    remediation: expect.stringContaining('admin consent'),
  });

  expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
  expect((await checkNow()).state).toBe('healthy');
  expect((await checkNow()).state).toBe('healthy');
  expect(await alertKinds()).toEqual(['failing', 'recovered']);
  expect(logLines.filter((line) => line.includes('health check run failed'))).toEqual([]);
});
