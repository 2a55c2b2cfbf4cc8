/** Where service-account passwords live (Azure Key Vault), and how they reach us sealed. */
import type { JsonWebKey } from 'node:crypto';
import type { SealingPurpose } from '../store/sealing-nonce-port';
import type { SealingBinding } from './seal-password';

export type { SealingPurpose, SealingBinding };

export interface SecretVault {
  /** Writes the password as a new secret version; returns the secret's identifier (no version). */
  storePassword(tenantId: string, serviceAccount: string, password: string): Promise<{ secretId: string }>;
  readPassword(secretId: string): Promise<string>;
  /** Soft-deletes the secret (recoverable for the vault's retention period). */
  deletePassword(secretId: string): Promise<void>;
}

/** A password sealed in the browser (seal-password.ts): the key's id and a compact JWE. */
export interface SealedPassword {
  kid: string;
  /** The compact JWE; its protected header carries the SealingBinding. */
  ciphertext: string;
}

/** Who may open a sealed password, and for what: the signed-in admin and the use case. */
export interface SealingContext {
  tenantId: string;
  /** Entra object id (`oid`) of the admin. */
  userId: string;
  purpose: SealingPurpose;
}

/** The current public key and the binding one sealed password must carry. */
export interface SealingGrant {
  kid: string;
  jwk: JsonWebKey;
  binding: SealingBinding;
  expiresAt: string;
}

export interface PasswordSealer {
  /** The current key and a fresh single-use nonce, for one sealed password of this context. */
  grant(context: SealingContext): Promise<SealingGrant>;
  /**
   * Opens a sealed password in memory when its envelope is bound to exactly this context, has not
   * expired, and carries a nonce issued for it and never used; throws InvalidSealedPasswordError
   * otherwise. The binding is checked and the nonce used up before anything is decrypted.
   */
  open(sealed: SealedPassword, context: SealingContext): Promise<string>;
}
