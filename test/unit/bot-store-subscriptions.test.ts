/** The SQLite store's conversation subscriptions, by the store contract (conversation-contract.ts). */
import { describeConversationStoreContract } from '../support/store-contract/conversation-contract';
import { sqliteHarness } from '../support/store-contract/sqlite-harness';

describe('conversation subscriptions in the SQLite store', () => {
  describeConversationStoreContract(sqliteHarness());
});
