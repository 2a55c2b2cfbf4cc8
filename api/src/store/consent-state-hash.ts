/** Consent `state` values are stored only as this hash, so a leaked database cannot replay one. */
import { createHash } from 'node:crypto';

export function hashConsentState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url');
}
