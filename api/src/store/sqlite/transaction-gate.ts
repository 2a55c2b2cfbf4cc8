/**
 * better-sqlite3 runs statements synchronously on one connection, but the port's transactions are
 * async. While one is open, its BEGIN…COMMIT spans awaits, so every other caller on this connection
 * must wait for it or its statements would land inside that transaction. The gate does that, and
 * turns the deadlock of calling the store (instead of `tx`) inside its own transaction into an error.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface OpenTransaction {
  readonly token: symbol;
  readonly done: Promise<void>;
}

export class TransactionGate {
  private open: OpenTransaction | undefined;
  private readonly context = new AsyncLocalStorage<symbol>();

  /** Resolves once no transaction is open. Callers must then run their statements synchronously. */
  async whenClosed(): Promise<void> {
    while (this.open) {
      if (this.context.getStore() === this.open.token) {
        throw new Error('Inside transaction(fn) use the `tx` argument, not the store itself.');
      }
      await this.open.done;
    }
  }

  /** Throws unless the transaction `token` names is the one open now. */
  assertOpen(token: symbol): void {
    if (this.open?.token !== token) {
      throw new Error('This transaction has already ended.');
    }
  }

  /**
   * Runs `body` as the only open transaction. `rollback` runs when `body` or `commit` throws and must
   * be a no-op if the database already ended the transaction.
   */
  async run<T>(
    steps: { begin(): void; commit(): void; rollback(): void },
    body: (token: symbol) => Promise<T>,
  ): Promise<T> {
    // Several callers can wake from the end of the same transaction: re-check after each wake-up,
    // and take the gate in the same synchronous step as the last check.
    do {
      await this.whenClosed();
    } while (this.open);
    let release!: () => void;
    const token = Symbol('transaction');
    this.open = { token, done: new Promise<void>((resolve) => (release = resolve)) };
    try {
      // Callers that passed whenClosed() just before we took the gate resume within the pending
      // microtasks and run their statement synchronously; let them finish before BEGIN, so none
      // of their statements lands inside (and rolls back with) this transaction.
      await new Promise<void>((resolve) => setImmediate(resolve));
      steps.begin();
      try {
        const result = await this.context.run(token, () => body(token));
        steps.commit();
        return result;
      } catch (error) {
        steps.rollback();
        throw error;
      }
    } finally {
      this.open = undefined;
      release();
    }
  }
}
