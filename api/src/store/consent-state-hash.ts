/**
 * Single-use values (consent `state`, sealing nonces) are stored only as this hash, so a leaked
 * database cannot replay one.
 */
import { createHash } from 'node:crypto';

export function hashSingleUseValue(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export const hashConsentState = hashSingleUseValue;
