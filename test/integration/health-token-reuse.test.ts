/**
 * Scheduled health runs reuse the tenant's cached app token (issue 13): one token serves run after
 * run while it is valid, counted at the sandbox's Entra token endpoint. An admin's "check now"
 * fetches a fresh one, so a revoked consent shows at once. Real adapters, SQLite, a fake clock that
 * makes each run due (the token's own life runs on the real clock, as MSAL reads it).
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
import type { HealthScheduler } from '../../api/src/health/scheduler';

const CONTOSO = { id: '03017f7d-a934-418b-85f8-86d47d2aa0d0', domain: 'contoso.com' };
const ADMIN = { tenantId: CONTOSO.id, oid: 'admin-oid', upn: 'admin@contoso.com', isGlobalAdmin: true };
const MINUTE = 60_000;

let sandbox: TestSandbox;
let graph: AppGraph;
let dir: string;
let clock = Date.now();
let tokenRequests = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox({ consentPropagationMs: 0 });
  const faults = sandbox.context.faults;
  const take = faults.take.bind(faults);
  faults.take = (service, operation) => {
    if (service === 'entra' && operation === 'token') tokenRequests += 1;
    return take(service, operation);
  };
  dir = mkdtempSync(path.join(tmpdir(), 'ec-token-reuse-'));
  const env = sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
    EC_DATABASE_FILE: path.join(dir, 'exchange-connect.db'),
  });
  graph = buildAppGraph(loadConfig(env), createLogger({ level: 'silent' }), () => clock);
});

afterAll(async () => {
  await graph?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('serves one cached token to every scheduled run while it is valid; check now fetches a fresh one', async () => {
  await consentedAndVerified(sandbox, graph, ADMIN, {
    domain: CONTOSO.domain,
    protocol: 'graph',
    nowMs: clock,
  });
  const scheduler = graph.health as HealthScheduler;

  const before = tokenRequests;
  for (let run = 0; run < 4; run++) {
    clock += 20 * MINUTE;
    const outcomes = await scheduler.runDue();
    expect(outcomes.map((o) => [o.tenantId, o.state])).toEqual([[CONTOSO.id, 'healthy']]);
    expect(outcomes[0]?.results.find((r) => r.check === 'token')?.status).toBe('ok');
  }
  // The token the verification's own health refresh fetched serves all four runs.
  expect(tokenRequests - before).toBe(0);

  const asked = await graph.health.checkNow(CONTOSO.id);
  expect(asked.status).toBe('checked');
  expect(tokenRequests - before).toBe(1);
});
