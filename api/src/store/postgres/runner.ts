/**
 * Where a port call's statements run. Every call is atomic, as every SQLite call is:
 *  - on the pool (outside transaction(fn)), a one-statement call runs as it is (autocommit) and a
 *    call whose statements must commit together runs between BEGIN and COMMIT on one client. A
 *    deadlock or serialization failure is retried (the failed attempt changed nothing), then
 *    surfaces as StoreConflictError;
 *  - inside transaction(fn), calls run on the transaction's client one at a time, each in a
 *    savepoint, so a failed call leaves the transaction as it was before it (SQLite rolls back a
 *    failed statement alone, too) and fn may catch the error and go on. A deadlock there is a
 *    StoreConflictError at once: re-running part of fn is not the adapter's call.
 */
import type { Pool, PoolClient } from 'pg';
import { withClientTransaction } from './client-transaction';
import { asConflict, isTransient } from './driver-errors';

export type Param = string | number | boolean | null | readonly string[];

export interface QueryOutcome {
  rows: unknown[];
  rowCount: number;
}

/** The one thing statements need: run SQL with positional parameters. */
export interface Db {
  query(text: string, values?: readonly Param[]): Promise<QueryOutcome>;
}

export interface Runner {
  /** A call of one statement, or of statements that need not commit together. */
  run<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /** A call whose statements must commit together. */
  atomic<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

/** Attempts of one call on the pool before a transient failure is reported as a conflict. */
const ATTEMPTS = 3;

function dbOf(target: Pool | PoolClient): Db {
  return {
    async query(text, values = []) {
      const result = await target.query<Record<string, unknown>>(text, [...values]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
  };
}

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || tries >= ATTEMPTS) throw asConflict(error);
    }
  }
}

export class PoolRunner implements Runner {
  private readonly db: Db;

  /** `guard` throws when the call comes from inside one of the store's own open transactions. */
  constructor(
    private readonly pool: Pool,
    private readonly guard: () => void,
  ) {
    this.db = dbOf(pool);
  }

  async run<T>(work: (db: Db) => Promise<T>): Promise<T> {
    this.guard();
    return retried(() => work(this.db));
  }

  async atomic<T>(work: (db: Db) => Promise<T>): Promise<T> {
    this.guard();
    return retried(() => withClientTransaction(this.pool, (client) => work(dbOf(client))));
  }
}

export class TransactionRunner implements Runner {
  private readonly db: Db;
  private queue: Promise<unknown> = Promise.resolve();
  private open = true;

  constructor(private readonly client: PoolClient) {
    this.db = dbOf(client);
  }

  run<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  atomic<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Refuses calls from now on; resolves once the calls already made have finished. */
  async end(): Promise<void> {
    this.open = false;
    await this.queue;
  }

  // One client runs one statement at a time anyway; queueing whole calls also keeps two calls'
  // savepoints from interleaving when fn does not await one before starting the next.
  private enqueue<T>(work: (db: Db) => Promise<T>): Promise<T> {
    if (!this.open) return Promise.reject(new Error('This transaction has already ended.'));
    const call = this.queue.then(() => this.inSavepoint(work));
    this.queue = call.catch(() => undefined);
    return call;
  }

  private async inSavepoint<T>(work: (db: Db) => Promise<T>): Promise<T> {
    await this.client.query('SAVEPOINT port_call');
    try {
      const result = await work(this.db);
      await this.client.query('RELEASE SAVEPOINT port_call');
      return result;
    } catch (error) {
      // If even this fails, the connection is gone and COMMIT will fail too: report the cause.
      await this.client
        .query('ROLLBACK TO SAVEPOINT port_call; RELEASE SAVEPOINT port_call')
        .catch(() => undefined);
      throw asConflict(error);
    }
  }
}
