/**
 * What the store contract suites need from an adapter under test: fresh databases to open stores
 * on, and a way around the store to the raw tables. One harness per adapter (sqlite-harness.ts,
 * postgres-harness.ts); the suites register its clean-up hooks.
 */
import type { IntegrationStore } from '../../../api/src/store/port';

export interface TestDatabase {
  /** Opens a store on this database (migrating it); closed after the test unless the test does. */
  open(clock?: () => Date): Promise<IntegrationStore>;
  /** Runs one SQL statement outside the store (to corrupt a row, or read rows raw). */
  query(sql: string): Promise<unknown[]>;
}

export interface StoreHarness {
  readonly adapter: 'sqlite' | 'postgres';
  /** What the driver says when a CHECK constraint refuses a row. */
  readonly checkViolation: RegExp;
  /**
   * A new, empty database. `shared`: several stores open it, one after another or at once, or the
   * test reads it raw (SQLite then uses a file instead of `:memory:`).
   */
  database(options?: { shared?: boolean }): Promise<TestDatabase>;
  /** Closes the stores the test opened (afterEach). */
  closeStores(): Promise<void>;
  /** Removes the databases made so far (afterAll); the harness stays usable. */
  dropDatabases(): Promise<void>;
}

/** Registers the harness's clean-up in the enclosing describe block. */
export function cleanUpAfterEach(harness: StoreHarness): void {
  afterEach(() => harness.closeStores());
  afterAll(() => harness.dropDatabases());
}

export const START = Date.parse('2026-11-28T10:00:00.000Z');

/** A clock the test moves by hand. */
export function manualClock(): {
  clock: () => Date;
  advance(ms: number): void;
  iso(offsetMs?: number): string;
} {
  let now = START;
  return {
    clock: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    iso: (offsetMs = 0) => new Date(now + offsetMs).toISOString(),
  };
}
