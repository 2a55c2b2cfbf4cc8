/**
 * Store errors carry a stable `code` so use cases and tests branch on it, whatever the adapter.
 * Adapters convert their driver's errors into these once.
 */

import { AppError } from '../errors';

export type StoreErrorCode = 'store_conflict' | 'store_not_found' | 'store_corrupt_data';
export type StoreErrorReason = 'conflict' | 'not_found' | 'corrupt_data';

export abstract class StoreError extends AppError {
  readonly area = 'store';
  abstract override readonly reason: StoreErrorReason;
  abstract readonly code: StoreErrorCode;
}

/** A concurrent writer got there first (stale `expectedVersion`), or the row already exists. */
export class StoreConflictError extends StoreError {
  readonly reason = 'conflict';
  readonly code = 'store_conflict';
  override readonly name = 'StoreConflictError';
}

/** The row to update, or the row a new one refers to, does not exist for that tenant. */
export class StoreNotFoundError extends StoreError {
  readonly reason = 'not_found';
  readonly code = 'store_not_found';
  override readonly name = 'StoreNotFoundError';
}

/** A stored row no longer matches its schema (edited by hand, or written by a newer build). */
export class StoreCorruptDataError extends StoreError {
  readonly reason = 'corrupt_data';
  readonly code = 'store_corrupt_data';
  override readonly name = 'StoreCorruptDataError';
}
