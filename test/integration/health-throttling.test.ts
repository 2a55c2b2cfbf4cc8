/**
 * Throttling is a state, not a failure: a health check that Exchange throttles (EWS's HTTP 200
 * ErrorInternalServerError naming ErrorServerBusy, Graph's 429 with Retry-After) reports a warning
 * with the back-off at once — the back-off is never slept inside the timed check, so a long one
 * never turns into a timed-out, failed check. Real adapters wired by the composition root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { consentedAndVerified } from '../support/consented';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { loadConfig } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { buildAppGraph, type AppGraph } from '../../app/src/composition';
import type { SignedInUser } from '../../api/src/identity/port';

let sandbox: TestSandbox;
let graph: AppGraph;
let dir: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  dir = mkdtempSync(path.join(tmpdir(), 'ec-throttle-'));
  const env = sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
    EC_DATABASE_FILE: path.join(dir, 'exchange-connect.db'),
  });
  graph = buildAppGraph(loadConfig(env), createLogger({ level: 'silent' }));
});
afterAll(async () => {
  await graph?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function connected(tenantId: string, domain: string, protocol: 'graph' | 'ews') {
  const admin: SignedInUser = { tenantId, oid: 'admin-oid', upn: `admin@${domain}`, isGlobalAdmin: true };
  await consentedAndVerified(sandbox, graph, admin, { domain, protocol });
}

async function checkNow(tenantId: string) {
  const result = await graph.health.checkNow(tenantId);
  if (result.status !== 'checked') throw new Error(`not checked: ${JSON.stringify(result)}`);
  return result.outcome;
}

it('EWS: HTTP 200 ErrorInternalServerError / ErrorServerBusy for a minute → the mailbox check warns at once with the back-off', async () => {
  const tenantId = '25a5889f-44ad-424a-afdd-3462d1003a0b';
  await connected(tenantId, 'northwind.com', 'ews');
  await sandbox.control('POST', '/faults', {
    service: 'ews',
    operation: 'GetFolder',
    kind: 'innerServerBusy',
    ms: 60_000,
    count: 3,
  });
  const before = ewsTraffic(sandbox.context).list().length;
  const run = await checkNow(tenantId);
  expect(run.results.find((r) => r.check === 'mailbox')).toMatchObject({
    status: 'warn',
    diagnostic: { kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 60_000 },
  });
  // One GetFolder: the check did not sleep the back-off and ask again.
  const getFolders = ewsTraffic(sandbox.context)
    .list()
    .slice(before)
    .filter((e) => e.operation === 'GetFolder');
  expect(getFolders).toHaveLength(1);
  expect(run.state).toBe('healthy');
  expect(Date.parse(run.backoffUntil ?? '')).toBeGreaterThan(Date.now() + 50_000);
});

it('Graph: 429 with Retry-After → the mailbox check warns at once with Retry-After, one request', async () => {
  const tenantId = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
  await connected(tenantId, 'contoso.com', 'graph');
  await sandbox.control('DELETE', '/graph/traffic');
  await sandbox.control('POST', '/faults', {
    service: 'graph',
    operation: 'calendar',
    kind: 'throttle',
    ms: 2000,
    count: 3,
  });
  const run = await checkNow(tenantId);
  expect(run.results.find((r) => r.check === 'mailbox')).toMatchObject({
    status: 'warn',
    diagnostic: { kind: 'throttled', code: 'TooManyRequests', retryAfterMs: 2000 },
  });
  const calendar = (
    await sandbox.control<{ value: Array<{ operation: string; status: number }> }>('GET', '/graph/traffic')
  ).body.value.filter((t) => t.operation === 'calendar');
  expect(calendar.map((t) => t.status)).toEqual([429]);
});
