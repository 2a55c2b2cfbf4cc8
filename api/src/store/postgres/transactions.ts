/**
 * transaction(fn) on one pooled client: BEGIN, fn's calls through `tx` (see TransactionRunner), then
 * COMMIT, or ROLLBACK if fn throws. Unlike SQLite's single connection, other callers are not held
 * back: they run on other connections and never land in this transaction. The isolation level is
 * READ COMMITTED; the port's guarantees come from optimistic versions and from single statements
 * that re-check their conditions on the row they lock, not from serializable reads. Calling the
 * store itself inside fn is refused as in SQLite: it would take a second connection and could wait
 * forever on a row lock fn holds.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool } from 'pg';
import { withClientTransaction } from './client-transaction';
import { asConflict } from './driver-errors';
import { TransactionRunner, type Runner } from './runner';

interface Scope {
  open: boolean;
}

export class Transactions {
  private readonly context = new AsyncLocalStorage<Scope>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly pool: Pool) {}

  /** Throws when called from inside fn of one of this store's open transactions. */
  readonly assertOutside = (): void => {
    if (this.context.getStore()?.open) {
      throw new Error('Inside transaction(fn) use the `tx` argument, not the store itself.');
    }
  };

  async run<T>(fn: (runner: Runner) => Promise<T>): Promise<T> {
    this.assertOutside();
    const done = withClientTransaction(this.pool, async (client) => {
      const runner = new TransactionRunner(client);
      const scope: Scope = { open: true };
      try {
        return await this.context.run(scope, () => fn(runner));
      } finally {
        scope.open = false;
        // Calls fn started without awaiting them still finish before COMMIT or ROLLBACK.
        await runner.end();
      }
    });
    this.running.add(done);
    try {
      return await done;
    } catch (error) {
      // A deadlock or serialization failure at COMMIT means the transaction lost to another one.
      throw asConflict(error);
    } finally {
      this.running.delete(done);
    }
  }

  /** Resolves once every transaction open now has ended, however it ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
