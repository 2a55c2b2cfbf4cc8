/** The PostgreSQL adapter under the contract suites: a new database on the test server per test. */
import type { IntegrationStore } from '../../../api/src/store/port';
import { openPostgresStore } from '../../../api/src/store/postgres/postgres-store';
import { rawQuery, TestDatabases } from '../postgres';
import type { StoreHarness, TestDatabase } from './harness';

export function postgresHarness(): StoreHarness & { databases: TestDatabases } {
  const databases = new TestDatabases();
  const stores: IntegrationStore[] = [];

  return {
    adapter: 'postgres',
    checkViolation: /violates check constraint "integrations_status_check"/,
    databases,
    async database(): Promise<TestDatabase> {
      const url = await databases.create();
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
    },
    dropDatabases: () => databases.dropAll(),
  };
}
