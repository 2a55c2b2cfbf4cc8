/** Where service-account passwords live (Azure Key Vault), and how they reach us sealed. */
import type { JsonWebKey } from 'node:crypto';

export interface SecretVault {
  /** Writes the password as a new secret version; returns the secret's identifier (no version). */
  storePassword(tenantId: string, serviceAccount: string, password: string): Promise<{ secretId: string }>;
  readPassword(secretId: string): Promise<string>;
  /** Soft-deletes the secret (recoverable for the vault's retention period). */
  deletePassword(secretId: string): Promise<void>;
}

/** A password sealed in the browser to the server's public key (RSA-OAEP with SHA-256). */
export interface SealedPassword {
  kid: string;
  /** base64url of the RSA-OAEP ciphertext. */
  ciphertext: string;
}

export interface PasswordSealer {
  publicKey(): { kid: string; jwk: JsonWebKey };
  /** Opens a sealed password in memory; throws ExchangeConnectError on a wrong key or ciphertext. */
  open(sealed: SealedPassword): string;
}
