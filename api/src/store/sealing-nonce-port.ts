/**
 * Single-use nonces of sealed passwords. The server hands one out to a Global Admin for one
 * purpose; the sealed envelope names it; opening the password uses it up. Stored only as a hash
 * (like consent states), in the shared database so any instance can open what another granted.
 */
import type { IsoInstant } from './types';

export const SEALING_PURPOSES = ['connect', 'update'] as const;
/** What the sealed password is for: a new Basic connection, or a new password for the current one. */
export type SealingPurpose = (typeof SEALING_PURPOSES)[number];

export interface SealingNonceBinding {
  /** The clear random value handed to the browser; the store keeps only its hash. */
  nonce: string;
  tenantId: string;
  /** Entra object id (`oid`) of the admin it was handed to. */
  userId: string;
  purpose: SealingPurpose;
}

export interface SealingNonceInput extends SealingNonceBinding {
  expiresAt: IsoInstant;
}

export interface SealingNonceStoreOperations {
  /** StoreConflictError if the same nonce was already issued. */
  createSealingNonce(input: SealingNonceInput): Promise<void>;
  /**
   * Atomically marks the nonce used. True only when it was issued to exactly this tenant, user and
   * purpose and is unused and unexpired at `now`; otherwise nothing changes.
   */
  consumeSealingNonce(binding: SealingNonceBinding, now: Date): Promise<boolean>;
  /** Deletes nonces that expired at or before `now`; returns how many. */
  purgeExpiredSealingNonces(now: Date): Promise<number>;
}
