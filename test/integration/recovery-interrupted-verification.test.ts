/**
 * Recovery at start (issue 12): an integration a stopped or crashed instance left `verifying`
 * longer than the verification deadline is verified again by Exchange Connect itself once the app
 * starts, and then monitored; one whose resumed verification was interrupted too is closed as
 * failed with a trace step saying so; one `verifying` for less than the deadline is left alone. On
 * PostgreSQL, two instances starting together resolve each record once. Real adapters, the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { sandboxAppEnv } from '../../scripts/sandbox-env';
import { freePort } from '../../scripts/process-probe';
import { loadConfig, type EnvName } from '../../api/src/config';
import { createLogger } from '../../api/src/logger';
import { startAppServer } from '../../app/src/server';
import { openAppGraph } from '../../app/src/composition';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import type { IntegrationStore } from '../../api/src/store/port';
import { RESUME_ACTION } from '../../api/src/integrations/interrupted-verifications';
import { AUTOMATIC_ACTOR } from '../../api/src/integrations/service';
import { TestDatabases } from '../support/postgres';

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const NORTHWIND = '25a5889f-44ad-424a-afdd-3462d1003a0b';
const CRASHED_TWICE = 'cccccccc-0000-4000-8000-00000000000c';
/** Older than the default 60 s deadline: the instance that was verifying is gone. */
const STALE_MS = 5 * 60_000;

let sandbox: TestSandbox;
let dir: string;
const databases = new TestDatabases();

beforeAll(async () => {
  sandbox = await startTestSandbox({ consentPropagationMs: 0 });
  expect((await sandbox.control('POST', '/entra/consent', { tenant: 'contoso.com' })).status).toBe(201);
  dir = mkdtempSync(path.join(tmpdir(), 'ec-recovery-'));
});
afterAll(async () => {
  await sandbox?.close();
  await databases.dropAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A record as consent completion writes it: `verifying`, last written `ageMs` ago. */
async function leaveVerifying(
  open: (clock: () => Date) => Promise<IntegrationStore>,
  tenantId: string,
  ageMs: number,
  upn?: string,
) {
  const store = await open(() => new Date(Date.now() - ageMs));
  try {
    await store.upsertTenant({ id: tenantId });
    return await store.saveIntegration(
      {
        id: randomUUID(),
        tenantId,
        method: 'modern',
        protocol: 'graph',
        status: 'verifying',
        ...(upn ? { consentedBy: upn, consentedAt: new Date(Date.now() - ageMs).toISOString() } : {}),
      },
      { expectedVersion: 0 },
    );
  } finally {
    await store.close();
  }
}

function configFor(env: Partial<Record<EnvName, string>>) {
  return loadConfig(
    sandboxAppEnv({ urls: sandbox.urls, seed: sandbox.context.seed }, sandbox.certs, {
      EC_LOG_LEVEL: 'silent',
      ...env,
    }),
  );
}

it('on SQLite: a restart verifies a stale record again and monitors it, closes a twice-interrupted one as failed, leaves a fresh one', async () => {
  const file = path.join(dir, 'exchange-connect.db');
  const open = (clock: () => Date) => Promise.resolve(openSqliteStore({ file, clock }));
  const stale = await leaveVerifying(open, CONTOSO, STALE_MS, 'admin@contoso.com');
  const fresh = await leaveVerifying(open, NORTHWIND, 0, 'admin@northwind.com');
  const twice = await leaveVerifying(open, CRASHED_TWICE, STALE_MS, 'admin@example.com');
  // The resumed verification of this one was under way when its instance went down.
  const seeded = await open(() => new Date(Date.now() - STALE_MS));
  await seeded.appendAudit({
    tenantId: CRASHED_TWICE,
    actorOid: AUTOMATIC_ACTOR.oid,
    actorUpn: AUTOMATIC_ACTOR.upn,
    action: RESUME_ACTION,
    target: twice.id,
    result: 'success',
  });
  await seeded.close();

  const port = await freePort();
  const app = await startAppServer(
    configFor({ EC_DATABASE_FILE: file, EC_PORT: String(port), EC_PUBLIC_URL: `https://localhost:${port}` }),
    { log: createLogger({ level: 'silent' }) },
  );
  try {
    const outcomes = await app.recovered;
    expect(outcomes.map((o) => [o.tenantId, o.action]).sort()).toEqual(
      [
        [CONTOSO, 'reverified'],
        [CRASHED_TWICE, 'failed'],
      ].sort(),
    );
    const { store } = app.graph;

    const contoso = await store.getIntegration(CONTOSO);
    expect(contoso).toMatchObject({ id: stale.id, status: 'verified', verifiedMailbox: 'admin@contoso.com' });
    expect(await store.latestTrace(CONTOSO)).toMatchObject({ integrationId: stale.id, outcome: 'verified' });
    const audit = await store.listAudit(CONTOSO, { limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining([RESUME_ACTION, 'integration.verify']));
    expect(audit.find((a) => a.action === 'integration.verify')).toMatchObject({
      actorUpn: AUTOMATIC_ACTOR.upn,
      result: 'success',
      detail: { outcome: 'verified', automatic: true },
    });
    // Monitored now: its health was refreshed with the verification, and it is due again later.
    expect((await store.getIntegrationHealth(CONTOSO))?.lastRunAt).toBeDefined();

    const failed = await store.getIntegration(CRASHED_TWICE);
    expect(failed).toMatchObject({ status: 'failed', lastError: { code: 'VerificationInterrupted' } });
    expect((await store.latestTrace(CRASHED_TWICE))?.steps).toEqual([
      expect.objectContaining({ name: 'interrupted', status: 'failed', code: 'VerificationInterrupted' }),
    ]);
    expect(
      (await store.listAudit(CRASHED_TWICE, { limit: 10 })).find((a) => a.action === 'integration.verify'),
    ).toMatchObject({ result: 'failure', detail: { code: 'VerificationInterrupted', automatic: true } });

    // Another instance may be verifying this one right now.
    expect(await store.getIntegration(NORTHWIND)).toMatchObject({
      status: 'verifying',
      version: fresh.version,
    });
  } finally {
    await app.close();
  }
});

it('on PostgreSQL: two instances starting together verify a stale record once', async () => {
  const url = await databases.create();
  const open = (clock: () => Date) => openPostgresStore({ connectionString: url, clock });
  const stale = await leaveVerifying(open, CONTOSO, STALE_MS, 'admin@contoso.com');
  const config = configFor({ EC_DATABASE_URL: url, EC_DATABASE_FILE: '' });
  const log = createLogger({ level: 'silent' });
  const [one, two] = await Promise.all([openAppGraph(config, log), openAppGraph(config, log)]);
  try {
    const outcomes = (
      await Promise.all([one.recoverInterruptedVerifications(), two.recoverInterruptedVerifications()])
    ).flat();
    expect(outcomes).toEqual([
      { integrationId: stale.id, tenantId: CONTOSO, action: 'reverified', outcome: 'verified' },
    ]);
    expect(await one.store.getIntegration(CONTOSO)).toMatchObject({ status: 'verified' });
    expect(await one.store.listTraces(CONTOSO, { limit: 10 })).toHaveLength(1);
    const resumes = (await one.store.listAudit(CONTOSO, { limit: 20 })).filter(
      (a) => a.action === RESUME_ACTION,
    );
    expect(resumes).toHaveLength(1);
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});

it('takes the deadline from EC_VERIFICATION_DEADLINE_SECONDS, for verifications and for what counts as stale', async () => {
  const file = path.join(dir, 'deadline.db');
  const open = (clock: () => Date) => Promise.resolve(openSqliteStore({ file, clock }));
  // Verifying for 45 s: stale under a 30 s deadline, not under the default 60 s.
  await leaveVerifying(open, CONTOSO, 45_000, 'admin@contoso.com');
  const log = createLogger({ level: 'silent' });
  const patient = await openAppGraph(configFor({ EC_DATABASE_FILE: file }), log);
  try {
    expect(patient.verification.verificationDeadlineMs).toBe(60_000);
    expect(await patient.recoverInterruptedVerifications()).toEqual([]);
  } finally {
    await patient.close();
  }
  const graph = await openAppGraph(
    configFor({ EC_DATABASE_FILE: file, EC_VERIFICATION_DEADLINE_SECONDS: '30' }),
    log,
  );
  try {
    expect(graph.verification.verificationDeadlineMs).toBe(30_000);
    expect((await graph.recoverInterruptedVerifications()).map((o) => o.action)).toEqual(['reverified']);
  } finally {
    await graph.close();
  }
});
