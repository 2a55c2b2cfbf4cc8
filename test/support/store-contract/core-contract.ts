/**
 * The store contract, part 1: tenants, integrations, tenant isolation, traces, consent states,
 * transactions, audit, row validation. Adapter-independent: test/unit/store.test.ts runs it on
 * SQLite, test/integration/store-postgres.test.ts on PostgreSQL.
 */
import { hashConsentState } from '../../../api/src/store/consent-state-hash';
import { StoreConflictError, StoreNotFoundError } from '../../../api/src/store/errors';
import type { IntegrationInput, IntegrationStore, StoreOperations } from '../../../api/src/store/port';
import {
  INTEGRATION_STATUSES,
  type IntegrationStatus,
  type VerificationStep,
} from '../../../api/src/store/types';
import { cleanUpAfterEach, manualClock, START, type StoreHarness } from './harness';

export const TENANT_A = 'aaaaaaaa-0000-0000-0000-00000000000a';
export const TENANT_B = 'bbbbbbbb-0000-0000-0000-00000000000b';

export function modernIntegration(
  tenantId: string,
  overrides: Partial<IntegrationInput> = {},
): IntegrationInput {
  return { id: `int-${tenantId}`, tenantId, method: 'modern', status: 'pending_consent', ...overrides };
}

export async function withTenants(store: StoreOperations): Promise<void> {
  await store.upsertTenant({ id: TENANT_A, displayName: 'Contoso' });
  await store.upsertTenant({ id: TENANT_B, displayName: 'Fabrikam' });
}

export const auditBy = (tenantId: string, action: string) => ({
  tenantId,
  actorOid: `oid-${tenantId}`,
  actorUpn: `admin@${tenantId}`,
  action,
  result: 'success' as const,
});

export function describeCoreStoreContract(harness: StoreHarness): void {
  cleanUpAfterEach(harness);
  /** A store on a database of its own. */
  const openStore = async (clock = manualClock().clock): Promise<IntegrationStore> =>
    (await harness.database()).open(clock);

  describe('tenants', () => {
    it('creates a tenant once and keeps its name when an upsert omits it', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      const created = await store.upsertTenant({ id: TENANT_A, displayName: 'Contoso' });
      time.advance(60_000);
      expect(await store.upsertTenant({ id: TENANT_A })).toEqual(created);
      expect(await store.upsertTenant({ id: TENANT_A, displayName: 'Contoso Ltd' })).toEqual({
        id: TENANT_A,
        displayName: 'Contoso Ltd',
        createdAt: time.iso(-60_000),
      });
    });
  });

  describe('integrations', () => {
    it('round-trips every field, the last error as JSON included', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await withTenants(store);
      const input: IntegrationInput = {
        id: 'int-basic',
        tenantId: TENANT_B,
        method: 'basic',
        status: 'failed',
        ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
        autodiscoverAddress: 'admin@fabrikam.com',
        serviceAccount: 'svc-ews@fabrikam.com',
        secretId: 'https://vault.example/secrets/ews-bbbbbbbb/0123456789abcdef',
        verifiedMailbox: 'admin@fabrikam.com',
        verifiedAt: '2026-11-27T09:00:00.000Z',
        consentedBy: 'admin@fabrikam.com',
        consentedAt: '2026-11-27T08:59:00.000Z',
        lastError: {
          kind: 'impersonation_denied',
          code: 'ErrorImpersonateUserDenied',
          message: 'The account does not have permission to impersonate the requested user.',
          remediation:
            'New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-ews@fabrikam.com',
        },
      };
      const saved = await store.saveIntegration(input, { expectedVersion: 0 });
      expect(saved).toEqual({ ...input, createdAt: time.iso(), updatedAt: time.iso(), version: 1 });
      expect(await store.getIntegration(TENANT_B)).toEqual(saved);
    });

    it('bumps the version and updatedAt on save, and clears fields left out', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await withTenants(store);
      const created = await store.saveIntegration(
        modernIntegration(TENANT_A, {
          lastError: {
            kind: 'consent_missing',
            code: 'AADSTS65001',
            message: 'no consent',
            remediation: 'grant it',
          },
        }),
        { expectedVersion: 0 },
      );
      time.advance(5_000);
      const { lastError: _cleared, createdAt: _c, updatedAt: _u, version, ...rest } = created;
      const verified = await store.saveIntegration(
        { ...rest, status: 'verified', verifiedMailbox: 'admin@contoso.com', verifiedAt: time.iso() },
        { expectedVersion: version },
      );
      expect(verified).toEqual({
        ...rest,
        status: 'verified',
        verifiedMailbox: 'admin@contoso.com',
        verifiedAt: time.iso(),
        createdAt: created.createdAt,
        updatedAt: time.iso(),
        version: 2,
      });
      expect(verified.lastError).toBeUndefined();
    });

    it('stores every status the types allow, and the database rejects any other', async () => {
      const store = await openStore();
      await withTenants(store);
      let version = 0;
      for (const status of INTEGRATION_STATUSES.filter((s) => s !== 'disconnected')) {
        version = (
          await store.saveIntegration(modernIntegration(TENANT_A, { status }), { expectedVersion: version })
        ).version;
        expect((await store.getIntegration(TENANT_A))?.status).toBe(status);
      }
      const bogus = 'healthy' as unknown as IntegrationStatus;
      await expect(
        store.saveIntegration(modernIntegration(TENANT_A, { status: bogus }), { expectedVersion: version }),
      ).rejects.toThrow(harness.checkViolation);
      await store.saveIntegration(modernIntegration(TENANT_A, { status: 'disconnected' }), {
        expectedVersion: version,
      });
      expect(await store.listIntegrations({ status: 'disconnected' })).toHaveLength(1);
    });

    it('rejects a save based on a stale version with StoreConflictError and keeps the winner', async () => {
      const store = await openStore();
      await withTenants(store);
      await store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
      const readByFirst = await store.getIntegration(TENANT_A);
      const readBySecond = await store.getIntegration(TENANT_A);
      if (!readByFirst || !readBySecond) throw new Error('integration missing');

      const winner = await store.saveIntegration(
        { ...readByFirst, status: 'verified' },
        { expectedVersion: readByFirst.version },
      );
      const loser = store.saveIntegration(
        { ...readBySecond, status: 'failed' },
        { expectedVersion: readBySecond.version },
      );
      await expect(loser).rejects.toBeInstanceOf(StoreConflictError);
      await expect(loser).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.getIntegration(TENANT_A)).toEqual(winner);
    });

    it('allows one active integration per tenant; a disconnected one stays as history', async () => {
      const store = await openStore();
      await withTenants(store);
      const first = await store.saveIntegration(modernIntegration(TENANT_A, { id: 'first' }), {
        expectedVersion: 0,
      });
      await expect(
        store.saveIntegration(modernIntegration(TENANT_A, { id: 'second' }), { expectedVersion: 0 }),
      ).rejects.toMatchObject({ code: 'store_conflict' });

      await store.saveIntegration({ ...first, status: 'disconnected' }, { expectedVersion: first.version });
      expect(await store.getIntegration(TENANT_A)).toBeUndefined();
      const second = await store.saveIntegration(
        modernIntegration(TENANT_A, { id: 'second', method: 'basic' }),
        {
          expectedVersion: 0,
        },
      );
      expect(await store.getIntegration(TENANT_A)).toEqual(second);
      expect((await store.listIntegrations()).map((i) => i.id)).toEqual(['first', 'second']);
    });

    it('needs the tenant to exist and the row to exist for an update', async () => {
      const store = await openStore();
      await expect(
        store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 }),
      ).rejects.toMatchObject({
        code: 'store_not_found',
      });
      await store.upsertTenant({ id: TENANT_A });
      await expect(
        store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 3 }),
      ).rejects.toBeInstanceOf(StoreNotFoundError);
    });

    it('lists integrations across tenants by status for the health scheduler', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await withTenants(store);
      await store.upsertTenant({ id: 'cccccccc' });
      await store.saveIntegration(modernIntegration(TENANT_A, { status: 'verified' }), {
        expectedVersion: 0,
      });
      time.advance(1);
      await store.saveIntegration(modernIntegration(TENANT_B, { status: 'failed' }), { expectedVersion: 0 });
      time.advance(1);
      await store.saveIntegration(modernIntegration('cccccccc', { status: 'pending' }), {
        expectedVersion: 0,
      });

      const ids = async (status?: IntegrationStatus | IntegrationStatus[]) =>
        (await store.listIntegrations(status === undefined ? undefined : { status })).map((i) => i.tenantId);
      expect(await ids()).toEqual([TENANT_A, TENANT_B, 'cccccccc']);
      expect(await ids('failed')).toEqual([TENANT_B]);
      expect(await ids(['verified', 'pending'])).toEqual([TENANT_A, 'cccccccc']);
      expect(await ids('verifying')).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it("tenant B can neither read nor overwrite tenant A's integration", async () => {
      const store = await openStore();
      await withTenants(store);
      const a = await store.saveIntegration(
        modernIntegration(TENANT_A, { id: 'int-a', status: 'verified' }),
        {
          expectedVersion: 0,
        },
      );
      expect(await store.getIntegration(TENANT_B)).toBeUndefined();

      const hijack = { ...a, tenantId: TENANT_B, status: 'disconnected' as const };
      await expect(store.saveIntegration(hijack, { expectedVersion: a.version })).rejects.toBeInstanceOf(
        StoreNotFoundError,
      );
      await expect(store.saveIntegration(hijack, { expectedVersion: 0 })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.getIntegration(TENANT_A)).toEqual(a);
      expect(await store.getIntegration(TENANT_B)).toBeUndefined();
    });

    it("tenant B can neither read nor attach to tenant A's traces, nor read A's audit", async () => {
      const store = await openStore();
      await withTenants(store);
      const a = await store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
      const trace = {
        integrationId: a.id,
        outcome: 'verified' as const,
        mailbox: 'admin@contoso.com',
        startedAt: '2026-11-28T10:00:00.000Z',
        finishedAt: '2026-11-28T10:00:01.000Z',
        steps: [],
      };
      await store.addTrace({ ...trace, tenantId: TENANT_A });
      await expect(store.addTrace({ ...trace, tenantId: TENANT_B })).rejects.toMatchObject({
        code: 'store_not_found',
      });
      expect(await store.listTraces(TENANT_B, { limit: 10 })).toEqual([]);
      expect(await store.latestTrace(TENANT_B)).toBeUndefined();
      expect(await store.listTraces(TENANT_A, { limit: 10 })).toHaveLength(1);

      await store.appendAudit(auditBy(TENANT_A, 'integration.connect.modern'));
      await store.appendAudit(auditBy(TENANT_B, 'integration.verify'));
      const bAudit = await store.listAudit(TENANT_B, { limit: 10 });
      expect(bAudit.map((e) => [e.tenantId, e.action])).toEqual([[TENANT_B, 'integration.verify']]);
    });
  });

  describe('verification traces', () => {
    const steps: VerificationStep[] = [
      {
        name: 'endpoint',
        status: 'ok',
        durationMs: 3,
        detail: { url: 'https://outlook.office365.com/EWS/Exchange.asmx' },
      },
      {
        name: 'token',
        status: 'ok',
        durationMs: 120,
        detail: { roles: ['full_access_as_app'], cached: false },
      },
      {
        name: 'mailbox',
        status: 'failed',
        durationMs: 80,
        code: 'ErrorNonExistentMailbox',
        message: 'No mailbox is associated with this user.',
        remediation:
          'Assign an Exchange Online licence to the admin; the mailbox is needed only while verifying.',
      },
    ];

    it('returns traces newest first with their steps intact, and the latest one', async () => {
      const store = await openStore();
      await withTenants(store);
      const a = await store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
      const starts = ['2026-11-28T10:05:00.000Z', '2026-11-28T10:01:00.000Z', '2026-11-28T10:09:00.000Z'];
      for (const startedAt of starts) {
        await store.addTrace({
          integrationId: a.id,
          tenantId: TENANT_A,
          outcome: 'failed',
          mailbox: 'admin@contoso.com',
          startedAt,
          finishedAt: startedAt,
          steps,
        });
      }
      const listed = await store.listTraces(TENANT_A, { limit: 10 });
      expect(listed.map((t) => t.startedAt)).toEqual([starts[2], starts[0], starts[1]]);
      expect(listed[0]?.steps).toEqual(steps);
      expect(await store.latestTrace(TENANT_A)).toEqual(listed[0]);
      expect((await store.listTraces(TENANT_A, { limit: 2 })).map((t) => t.startedAt)).toEqual([
        starts[2],
        starts[0],
      ]);
    });
  });

  describe('consent states', () => {
    const consent = (state: string, expiresAt: string) => ({
      state,
      tenantId: TENANT_A,
      protocol: 'graph' as const,
      userId: 'oid-admin',
      upn: 'admin@contoso.com',
      expiresAt,
    });

    it('can be used once', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await store.createConsentState(consent('state-1', time.iso(600_000)));
      time.advance(30_000);
      expect(await store.consumeConsentState('state-1', time.clock())).toEqual({
        tenantId: TENANT_A,
        protocol: 'graph',
        userId: 'oid-admin',
        upn: 'admin@contoso.com',
        createdAt: time.iso(-30_000),
        expiresAt: time.iso(570_000),
        usedAt: time.iso(),
      });
      expect(await store.consumeConsentState('state-1', time.clock())).toBeUndefined();
    });

    it('can be looked at without being used, until it is used or expires', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await store.createConsentState(consent('peek', time.iso(600_000)));
      await store.createConsentState(consent('lapsing', time.iso(600_000)));
      const bound = {
        tenantId: TENANT_A,
        protocol: 'graph',
        userId: 'oid-admin',
        upn: 'admin@contoso.com',
        createdAt: time.iso(),
        expiresAt: time.iso(600_000),
      };
      expect(await store.findConsentState('peek', time.clock())).toEqual(bound);
      expect(await store.findConsentState('peek', time.clock())).toEqual(bound);
      expect(await store.consumeConsentState('peek', time.clock())).toMatchObject(bound);
      expect(await store.findConsentState('peek', time.clock())).toBeUndefined();
      expect(await store.findConsentState('lapsing', new Date(START + 599_999))).toBeDefined();
      expect(await store.findConsentState('lapsing', new Date(START + 600_000))).toBeUndefined();
      expect(await store.findConsentState('never-issued', time.clock())).toBeUndefined();
    });

    it('lets exactly one of two racing callbacks win', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await store.createConsentState(consent('racy', time.iso(600_000)));
      const results = await Promise.all([
        store.consumeConsentState('racy', time.clock()),
        store.consumeConsentState('racy', time.clock()),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('refuses an expired or unknown state, and a state issued twice', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await store.createConsentState(consent('expiring', time.iso(600_000)));
      await store.createConsentState(consent('just-in-time', time.iso(600_000)));
      expect(await store.consumeConsentState('expiring', new Date(START + 600_000))).toBeUndefined();
      expect(await store.consumeConsentState('just-in-time', new Date(START + 599_999))).toBeDefined();
      expect(await store.consumeConsentState('never-issued', time.clock())).toBeUndefined();
      await expect(store.createConsentState(consent('expiring', time.iso(600_000)))).rejects.toMatchObject({
        code: 'store_conflict',
      });
    });

    it('purges expired states only', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      await store.createConsentState(consent('old', time.iso(1_000)));
      await store.createConsentState(consent('live', time.iso(600_000)));
      expect(await store.purgeExpiredConsentStates(new Date(START + 1_000))).toBe(1);
      expect(await store.purgeExpiredConsentStates(new Date(START + 1_000))).toBe(0);
      expect(await store.consumeConsentState('live', new Date(START + 2_000))).toBeDefined();
    });

    it('stores only the SHA-256 of the state, never the clear value', async () => {
      const db = await harness.database({ shared: true });
      const time = manualClock();
      const store = await db.open(time.clock);
      const state = 'q8Yl3wVxS0m1Zk7pR2tN9bC4dF6gH0jJ';
      await store.createConsentState(consent(state, time.iso(600_000)));

      const rows = await db.query('SELECT * FROM consent_states');
      expect(JSON.stringify(rows)).not.toContain(state);
      expect(rows).toEqual([expect.objectContaining({ state_hash: hashConsentState(state) })]);
    });
  });

  describe('transactions', () => {
    it('commits the integration and its audit entry together', async () => {
      const store = await openStore();
      await withTenants(store);
      await store.transaction(async (tx) => {
        await tx.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
        await tx.appendAudit(auditBy(TENANT_A, 'integration.connect.modern'));
      });
      expect(await store.getIntegration(TENANT_A)).toBeDefined();
      expect(await store.listAudit(TENANT_A, { limit: 10 })).toHaveLength(1);
    });

    it('leaves nothing behind when the function throws', async () => {
      const store = await openStore();
      await withTenants(store);
      const failure = new Error('secret vault unreachable');
      await expect(
        store.transaction(async (tx) => {
          await tx.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
          await tx.appendAudit(auditBy(TENANT_A, 'integration.connect.modern'));
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.getIntegration(TENANT_A)).toBeUndefined();
      expect(await store.listAudit(TENANT_A, { limit: 10 })).toEqual([]);
    });

    it('undoes only a call that fails inside it, so fn may catch the error and go on', async () => {
      const store = await openStore();
      await withTenants(store);
      const first = await store.saveIntegration(modernIntegration(TENANT_A, { id: 'first' }), {
        expectedVersion: 0,
      });
      await store.transaction(async (tx) => {
        await expect(
          tx.saveIntegration(modernIntegration(TENANT_A, { id: 'second' }), { expectedVersion: 0 }),
        ).rejects.toBeInstanceOf(StoreConflictError);
        await expect(
          tx.addTrace({
            integrationId: 'no-such-integration',
            tenantId: TENANT_A,
            outcome: 'failed',
            mailbox: 'admin@contoso.com',
            startedAt: '2026-11-28T10:00:00.000Z',
            finishedAt: '2026-11-28T10:00:01.000Z',
            steps: [],
          }),
        ).rejects.toBeInstanceOf(StoreNotFoundError);
        await tx.appendAudit(auditBy(TENANT_A, 'after the refusals'));
      });
      expect(await store.getIntegration(TENANT_A)).toEqual(first);
      expect(await store.listTraces(TENANT_A, { limit: 10 })).toEqual([]);
      expect((await store.listAudit(TENANT_A, { limit: 10 })).map((e) => e.action)).toEqual([
        'after the refusals',
      ]);
    });

    it('refuses the store itself inside its transaction, and a transaction handle used after the end', async () => {
      const store = await openStore();
      await withTenants(store);
      let leaked: StoreOperations | undefined;
      await expect(
        store.transaction(async (tx) => {
          leaked = tx;
          await store.getIntegration(TENANT_A);
        }),
      ).rejects.toThrow(/use the `tx` argument/);
      await expect(leaked?.getIntegration(TENANT_A)).rejects.toThrow(/already ended/);
    });
  });

  describe('audit log', () => {
    it('lists the newest entries first, up to the limit, with their detail', async () => {
      const time = manualClock();
      const store = await openStore(time.clock);
      for (const action of ['first', 'second', 'third']) {
        await store.appendAudit(auditBy(TENANT_A, action));
        time.advance(1_000);
      }
      // Same instant: insertion order breaks the tie.
      await store.appendAudit({
        ...auditBy(TENANT_A, 'fourth'),
        target: 'int-a',
        detail: { method: 'basic' },
      });
      await store.appendAudit({
        ...auditBy(TENANT_A, 'fifth'),
        result: 'failure',
        detail: { code: 'AADSTS65004' },
      });

      const all = await store.listAudit(TENANT_A, { limit: 10 });
      expect(all.map((e) => e.action)).toEqual(['fifth', 'fourth', 'third', 'second', 'first']);
      expect(all[1]).toEqual({
        id: expect.any(String),
        tenantId: TENANT_A,
        actorOid: `oid-${TENANT_A}`,
        actorUpn: `admin@${TENANT_A}`,
        action: 'fourth',
        target: 'int-a',
        result: 'success',
        detail: { method: 'basic' },
        at: time.iso(),
      });
      expect((await store.listAudit(TENANT_A, { limit: 2 })).map((e) => e.action)).toEqual([
        'fifth',
        'fourth',
      ]);
      await expect(store.listAudit(TENANT_A, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('reading rows', () => {
    it('reports a corrupt JSON column with store_corrupt_data', async () => {
      const db = await harness.database({ shared: true });
      const store = await db.open();
      await withTenants(store);
      await store.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
      await db.query(`UPDATE integrations SET last_error = '{"kind":1}'`);
      await expect(store.getIntegration(TENANT_A)).rejects.toMatchObject({ code: 'store_corrupt_data' });
    });
  });
}
