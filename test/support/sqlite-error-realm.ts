/**
 * better-sqlite3's native addon is loaded once per process and builds its errors with the
 * SqliteError class of the first module registry that loaded it. Jest gives every test file its own
 * registry (and globals), so in the second store-using file of a worker, driver errors are neither
 * `instanceof Database.SqliteError` nor `instanceof Error` and the store's error conversion misses
 * them. Before each file, point the shared addon at this file's SqliteError. Production has one
 * registry and is unaffected.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';

interface SqliteAddon {
  setErrorConstructor(constructor: typeof Database.SqliteError): void;
}

const packageDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const addon = createRequire(__filename)(
  path.join(packageDir, 'build', 'Release', 'better_sqlite3.node'),
) as SqliteAddon;
addon.setErrorConstructor(Database.SqliteError);
