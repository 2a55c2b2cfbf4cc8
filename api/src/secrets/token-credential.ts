/**
 * Key Vault's SDK wants a @azure/core-auth TokenCredential; our own app-only token source (msal-node
 * with the app certificate) provides tokens. This bridges the two without @azure/identity.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AccessTokenSource } from '../identity/port';

/**
 * A TokenCredential backed by an AccessTokenSource. The tenant comes from Key Vault's bearer
 * challenge (the SDK passes it as `options.tenantId`); without one, the publisher tenant that owns
 * the vault.
 */
export function accessTokenSourceCredential(
  source: AccessTokenSource,
  fallbackTenantId: string,
): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const requested = Array.isArray(scopes) ? scopes : [scopes];
      // Entra issues a token for one resource at a time; Key Vault always asks for exactly one.
      if (requested.length !== 1 || !requested[0]) {
        throw new Error(`Expected exactly one scope, got ${requested.length}`);
      }
      const { token, expiresOnTimestamp } = await source.getAccessToken(
        requested[0],
        options?.tenantId ?? fallbackTenantId,
      );
      return { token, expiresOnTimestamp, tokenType: 'Bearer' };
    },
  };
}
