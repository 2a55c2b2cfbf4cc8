/**
 * The PostgreSQL adapter by the store contract: the same suites the SQLite adapter passes in
 * test/unit (core, health, conversation subscriptions, sealing nonces), each test on a database of its own.
 */
import { describeConversationStoreContract } from '../support/store-contract/conversation-contract';
import { describeCoreStoreContract } from '../support/store-contract/core-contract';
import { describeHealthStoreContract } from '../support/store-contract/health-contract';
import { postgresHarness } from '../support/store-contract/postgres-harness';
import { describeSealingNonceStoreContract } from '../support/store-contract/sealing-nonce-contract';

const harness = postgresHarness();

describe('PostgreSQL store: the store contract', () => {
  describeCoreStoreContract(harness);
});

describe('PostgreSQL store: the health contract', () => {
  describeHealthStoreContract(harness);
});

describe('conversation subscriptions in the PostgreSQL store', () => {
  describeConversationStoreContract(harness);
});

describe('sealing nonces in the PostgreSQL store', () => {
  describeSealingNonceStoreContract(harness);
});
