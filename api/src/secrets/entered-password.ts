/**
 * A password the admin has just entered, held in memory to verify it before anything is stored:
 * it stands in for Key Vault while the new credentials are tried.
 */
import type { SecretVault } from './port';

export function enteredPassword(password: string): SecretVault {
  return {
    storePassword: () => Promise.reject(new Error('an entered password is verified, never stored, here')),
    readPassword: async () => password,
    deletePassword: async () => undefined,
  };
}
