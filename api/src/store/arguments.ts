/**
 * Checks and normalisation of the port's arguments, shared by the adapters so both refuse the same
 * input with the same RangeError and store instants in the same canonical form.
 */
import type { ListOptions } from './port';
import type { IsoInstant } from './types';

const MAX_LIST_LIMIT = 1000;

/** Canonical `toISOString` form, so text comparison in SQL orders instants correctly. */
export function instant(value: string, field: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`${field} is not an ISO-8601 instant: ${value}`);
  return new Date(time).toISOString();
}

export function optionalInstant(value: IsoInstant | undefined, field: string): string | null {
  return value === undefined ? null : instant(value, field);
}

export function listLimit({ limit }: ListOptions): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}: ${limit}`);
  }
  return limit;
}

export function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${field} must be a positive integer: ${value}`);
  return value;
}

export function expectedVersionOf(expectedVersion: number): number {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(`expectedVersion must be a non-negative integer: ${expectedVersion}`);
  }
  return expectedVersion;
}

/** A lease taken at `now` for `leaseMs`, as canonical instants. */
export function leaseParams(now: Date, leaseMs: number): { now: string; leaseUntil: string } {
  return {
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + positiveInt(leaseMs, 'leaseMs')).toISOString(),
  };
}
