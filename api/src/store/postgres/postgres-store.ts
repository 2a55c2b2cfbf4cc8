/**
 * The PostgreSQL adapter of IntegrationStore (pg): a bounded pool shared by the process, migrations
 * applied at open, the same semantics as the SQLite adapter so several app instances can share one
 * database. The statements live in core-, health-, conversation-, admin- and retention-operations.ts;
 * where they run (pool or transaction) in runner.ts.
 */
import type { IntegrationStore, StoreOperations } from '../port';
import { adminSightingOperations } from './admin-operations';
import { conversationOperations } from './conversation-operations';
import { coreOperations } from './core-operations';
import { healthOperations } from './health-operations';
import { sealingNonceOperations } from './sealing-nonce-operations';
import { migrate } from './migrations';
import { createPool, type PoolOptions } from './pool';
import { PoolRunner, type Runner } from './runner';
import { Transactions } from './transactions';
import { retentionOperations } from './retention-operations';

export interface PostgresStoreOptions extends PoolOptions {
  /** Stamps createdAt / updatedAt / audit times; injectable for tests. */
  clock?: () => Date;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<IntegrationStore> {
  const clock = options.clock ?? (() => new Date());
  const pool = createPool(options);
  try {
    await migrate(pool, clock);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const transactions = new Transactions(pool);
  const operationsOn = (runner: Runner): StoreOperations => ({
    ...coreOperations(runner, clock),
    ...healthOperations(runner, clock),
    ...conversationOperations(runner, clock),
    ...adminSightingOperations(runner),
    ...retentionOperations(runner),
    ...sealingNonceOperations(runner, clock),
  });
  let closed: Promise<void> | undefined;
  return {
    ...operationsOn(new PoolRunner(pool, transactions.assertOutside)),
    transaction: <T>(fn: (tx: StoreOperations) => Promise<T>) =>
      transactions.run((runner) => fn(operationsOn(runner))),
    close: async () => {
      // Inside fn, close would wait for the transaction that waits for fn.
      transactions.assertOutside();
      await (closed ??= transactions.settled().then(() => pool.end()));
    },
  };
}
