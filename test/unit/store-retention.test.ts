/** The SQLite adapter's retention, by the store contract (test/support/store-contract/retention-contract.ts). */
import { describeRetentionStoreContract } from '../support/store-contract/retention-contract';
import { sqliteHarness } from '../support/store-contract/sqlite-harness';

describe('SQLite store: the retention contract', () => {
  describeRetentionStoreContract(sqliteHarness());
});
