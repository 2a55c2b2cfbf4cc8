/** The SQLite adapter under the contract suites: `:memory:` databases, or files when shared. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { IntegrationStore } from '../../../api/src/store/port';
import { openSqliteStore } from '../../../api/src/store/sqlite/sqlite-store';
import type { StoreHarness, TestDatabase } from './harness';

export function sqliteHarness(): StoreHarness & { file(): string } {
  let dir: string | undefined;
  let files = 0;
  const stores: IntegrationStore[] = [];
  const file = () =>
    path.join((dir ??= mkdtempSync(path.join(tmpdir(), 'exchange-connect-store-'))), `store-${++files}.db`);
  const track = (store: IntegrationStore) => (stores.push(store), store);

  return {
    adapter: 'sqlite',
    checkViolation: /CHECK constraint/,
    /** A fresh database file path, for the SQLite-only tests. */
    file,
    async database(options = {}): Promise<TestDatabase> {
      if (!options.shared) {
        let opened = false;
        return {
          async open(clock) {
            if (opened) throw new Error('A :memory: database opens once: ask for a shared one.');
            opened = true;
            return track(openSqliteStore({ file: ':memory:', ...(clock ? { clock } : {}) }));
          },
          async query() {
            throw new Error('A :memory: database cannot be read raw: ask for a shared one.');
          },
        };
      }
      const path = file();
      return {
        async open(clock) {
          return track(openSqliteStore({ file: path, ...(clock ? { clock } : {}) }));
        },
        async query(sql) {
          const raw = new Database(path);
          try {
            const statement = raw.prepare(sql);
            return statement.reader ? statement.all() : (statement.run(), []);
          } finally {
            raw.close();
          }
        },
      };
    },
    async closeStores() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    },
    async dropDatabases() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
