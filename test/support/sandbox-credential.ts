/**
 * A TokenCredential for Azure SDK clients in tests: it mints the app-only token the sandbox Entra
 * ID would issue for our app and records what the SDK asked for (scopes, tenant from the
 * challenge), so tests can assert the challenge reached the credential. The msal-node → vault
 * chain replaces it once the app's own credential exists.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { SandboxContext } from '../../sandbox/src/context';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  RESOURCES,
  issueAppOnlyToken,
  type Resource,
} from '../../sandbox/src/access-tokens';

/** The object id of our app's service principal; the sandbox directory does not model one. */
export const SANDBOX_SERVICE_PRINCIPAL_ID = '3f1d2c4b-8a6e-4f0d-9b7c-5e2a1d6c8b90';

export interface TokenRequest {
  scopes: string[];
  tenantId: string | undefined;
}

export interface SandboxCredentialOptions {
  /** The tenant the minted tokens are for; defaults to the publisher tenant that owns the vault. */
  tenantId?: string;
  servicePrincipalId?: string;
}

export class SandboxAppCredential implements TokenCredential {
  readonly requests: TokenRequest[] = [];

  constructor(
    private readonly ctx: SandboxContext,
    private readonly options: SandboxCredentialOptions = {},
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const requested = Array.isArray(scopes) ? scopes : [scopes];
    this.requests.push({ scopes: requested, tenantId: options?.tenantId });
    const token = await issueAppOnlyToken(this.ctx, {
      tenantId: this.options.tenantId ?? this.ctx.seed.publisher.tenantId,
      appId: this.ctx.seed.app.clientId,
      resource: resourceOf(requested),
      servicePrincipalId: this.options.servicePrincipalId ?? SANDBOX_SERVICE_PRINCIPAL_ID,
    });
    return {
      token,
      tokenType: 'Bearer',
      expiresOnTimestamp: this.ctx.now() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
    };
  }
}

/** `https://vault.azure.net/.default` → the resource; anything else is a test bug. */
function resourceOf(scopes: string[]): Resource {
  const resources: readonly string[] = Object.values(RESOURCES);
  const resource = scopes.length === 1 ? scopes[0]!.replace(/\/\.default$/, '') : '';
  if (!resources.includes(resource)) throw new Error(`No sandbox resource for scopes ${scopes.join(' ')}`);
  return resource as Resource;
}
