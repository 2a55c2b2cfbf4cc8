/** The SQLite store's sealing nonces, by the store contract (sealing-nonce-contract.ts). */
import { describeSealingNonceStoreContract } from '../support/store-contract/sealing-nonce-contract';
import { sqliteHarness } from '../support/store-contract/sqlite-harness';

describe('sealing nonces in the SQLite store', () => {
  describeSealingNonceStoreContract(sqliteHarness());
});
