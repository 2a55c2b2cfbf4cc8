/**
 * The PostgreSQL errors the adapter converts into store errors, by SQLSTATE (pg's DatabaseError
 * `code`), in one place. Anything else (timeouts, lost connections, CHECK violations) passes on as
 * the driver's error, as the SQLite adapter passes SqliteError on.
 */
import { DatabaseError } from 'pg';
import { StoreConflictError } from '../errors';

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

export function hasSqlState(error: unknown, ...codes: string[]): boolean {
  return error instanceof DatabaseError && error.code !== undefined && codes.includes(error.code);
}

/** The database aborted the statement for another transaction's sake; the same call may succeed again. */
export function isTransient(error: unknown): boolean {
  return hasSqlState(error, SERIALIZATION_FAILURE, DEADLOCK_DETECTED);
}

/** A transient failure the adapter did not (or could not) retry surfaces as a conflict, like a stale version. */
export function asConflict(error: unknown): unknown {
  if (!isTransient(error)) return error;
  return new StoreConflictError(
    'A concurrent transaction got in the way (deadlock or serialization failure).',
    {
      cause: error,
    },
  );
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
