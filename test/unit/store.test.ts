/**
 * The SQLite adapter of IntegrationStore: the adapter-independent store contract
 * (test/support/store-contract/core-contract.ts), then what only SQLite has — its migrations and WAL
 * file, consent states absent from the database files, and one connection whose transactions hold
 * other callers back.
 */
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { IntegrationStore } from '../../api/src/store/port';
import { MIGRATIONS } from '../../api/src/store/sqlite/migrations';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import {
  auditBy,
  describeCoreStoreContract,
  modernIntegration,
  TENANT_A,
  withTenants,
} from '../support/store-contract/core-contract';
import { cleanUpAfterEach, manualClock } from '../support/store-contract/harness';
import { sqliteHarness } from '../support/store-contract/sqlite-harness';

const harness = sqliteHarness();

describe('SQLite store: the store contract', () => {
  describeCoreStoreContract(harness);
});

describe('SQLite store only', () => {
  cleanUpAfterEach(harness);
  const tempFile = () => harness.file();
  const openStore = async (): Promise<IntegrationStore> =>
    (await harness.database()).open(manualClock().clock);

  describe('migrations', () => {
    it('applies each migration once, in WAL mode, and keeps the data across a reopen', async () => {
      const file = tempFile();
      const first = openSqliteStore({ file, clock: manualClock().clock });
      await first.upsertTenant({ id: TENANT_A, displayName: 'Contoso' });
      const saved = await first.saveIntegration(modernIntegration(TENANT_A), { expectedVersion: 0 });
      await first.close();

      const second = openSqliteStore({ file, clock: manualClock().clock });
      expect(await second.getIntegration(TENANT_A)).toEqual(saved);
      await second.close();

      const raw = new Database(file, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
        const ids = raw.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all();
        expect(ids).toEqual(MIGRATIONS.map((_, i) => i + 1));
      } finally {
        raw.close();
      }
    });

    it('refuses a database migrated by a newer build', async () => {
      const file = tempFile();
      await openSqliteStore({ file }).close();
      const raw = new Database(file);
      raw
        .prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)')
        .run(MIGRATIONS.length + 1, 'x');
      raw.close();
      expect(() => openSqliteStore({ file })).toThrow(/newer than this build/);
    });
  });

  describe('consent states', () => {
    it('never writes the clear state value to the database file or its WAL', async () => {
      const file = tempFile();
      const time = manualClock();
      const store = openSqliteStore({ file, clock: time.clock });
      const state = 'q8Yl3wVxS0m1Zk7pR2tN9bC4dF6gH0jJ';
      await store.createConsentState({
        state,
        tenantId: TENANT_A,
        protocol: 'graph',
        userId: 'oid-admin',
        upn: 'admin@contoso.com',
        expiresAt: time.iso(600_000),
      });
      await store.close();
      for (const f of [file, `${file}-wal`].filter((f) => existsSync(f))) {
        expect(readFileSync(f).includes(state)).toBe(false);
      }
    });
  });

  describe('transactions on the one connection', () => {
    it('holds other callers back until it ends, so its rollback never takes their writes', async () => {
      const store = await openStore();
      await withTenants(store);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));

      const transaction = store.transaction(async (tx) => {
        await tx.appendAudit(auditBy(TENANT_A, 'inside'));
        entered();
        await held;
        throw new Error('roll back');
      });
      await inside;
      let outsideDone = false;
      const outside = store.appendAudit(auditBy(TENANT_A, 'outside')).then(() => (outsideDone = true));
      try {
        await new Promise((resolve) => setImmediate(resolve));
        expect(outsideDone).toBe(false);
      } finally {
        release();
      }
      await expect(transaction).rejects.toThrow('roll back');
      await outside;
      expect((await store.listAudit(TENANT_A, { limit: 10 })).map((e) => e.action)).toEqual(['outside']);
    });
  });
});
