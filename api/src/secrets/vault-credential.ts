/**
 * Which identity reaches Key Vault. Production runs on Azure with a managed identity (no secret to
 * rotate); development and the sandbox use the app's certificate tokens. Configuration only: the
 * vault adapter is the same either way.
 */
import type { TokenCredential } from '@azure/core-auth';
import { ManagedIdentityCredential } from '@azure/identity';
import type { AccessTokenSource } from '../identity/port';
import { accessTokenSourceCredential } from './token-credential';

export type VaultCredentialChoice =
  /** System-assigned identity, or the user-assigned one with `clientId`. */
  | { kind: 'managed-identity'; clientId?: string }
  /** App-only tokens of our app registration, in the publisher tenant that owns the vault. */
  | { kind: 'app-certificate'; source: AccessTokenSource; tenantId: string };

export function vaultCredential(choice: VaultCredentialChoice): TokenCredential {
  switch (choice.kind) {
    case 'managed-identity':
      return choice.clientId
        ? new ManagedIdentityCredential({ clientId: choice.clientId })
        : new ManagedIdentityCredential();
    case 'app-certificate':
      return accessTokenSourceCredential(choice.source, choice.tenantId);
  }
}
