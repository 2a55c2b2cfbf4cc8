/** The SQLite adapter's health tables, by the store contract (test/support/store-contract/health-contract.ts). */
import { describeHealthStoreContract } from '../support/store-contract/health-contract';
import { sqliteHarness } from '../support/store-contract/sqlite-harness';

describe('SQLite store: the health contract', () => {
  describeHealthStoreContract(sqliteHarness());
});
