/** The PostgreSQL adapter's retention, by the same contract the SQLite adapter passes in test/unit. */
import { describeRetentionStoreContract } from '../support/store-contract/retention-contract';
import { postgresHarness } from '../support/store-contract/postgres-harness';

describe('PostgreSQL store: the retention contract', () => {
  describeRetentionStoreContract(postgresHarness());
});
