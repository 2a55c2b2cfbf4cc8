/**
 * The PostgreSQL adapter under the contract suites. CREATE DATABASE costs 100–250 ms on a loaded
 * 2-core machine, so a file's databases are made once and reused: the next test gets them back
 * emptied (TRUNCATE of every store table), already migrated. Tests that need a database fresh from
 * CREATE (migrations) make their own with TestDatabases.
 */
import type { IntegrationStore } from '../../../api/src/store/port';
import { openPostgresStore } from '../../../api/src/store/postgres/postgres-store';
import { rawQuery, TestDatabases } from '../postgres';
import type { StoreHarness, TestDatabase } from './harness';

const EMPTY_STORE_TABLES = `
  DO $$
  DECLARE tables text;
  BEGIN
    SELECT string_agg(format('%I', tablename), ', ') INTO tables
    FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations';
    IF tables IS NOT NULL THEN
      EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY';
    END IF;
  END $$`;

export function postgresHarness(): StoreHarness {
  const databases = new TestDatabases();
  const made: string[] = [];
  let inUse = 0;
  const stores: IntegrationStore[] = [];

  return {
    adapter: 'postgres',
    checkViolation: /violates check constraint "integrations_status_check"/,
    async database(): Promise<TestDatabase> {
      let url = made[inUse];
      if (url === undefined) made.push((url = await databases.create()));
      else await rawQuery(url, EMPTY_STORE_TABLES);
      inUse++;
      return {
        async open(clock) {
          const store = await openPostgresStore({ connectionString: url, ...(clock ? { clock } : {}) });
          stores.push(store);
          return store;
        },
        query: (sql) => rawQuery(url, sql),
      };
    },
    async closeStores() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      inUse = 0;
    },
    async dropDatabases() {
      made.length = 0;
      inUse = 0;
      await databases.dropAll();
    },
  };
}
