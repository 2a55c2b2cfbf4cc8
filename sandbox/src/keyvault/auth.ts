/**
 * Key Vault's bearer challenge: every 401 names the vault's tenant authority and the resource, so
 * the SDK learns where to get a token; tokens are checked as Key Vault checks them and refused with
 * its AKV/S2S messages.
 */
import type { RequestHandler, Response } from 'express';
import { decodeJwt, decodeProtectedHeader, errors } from 'jose';
import type { SandboxContext } from '../context';
import { RESOURCES, v1Issuer, verifyAppOnlyToken } from '../access-tokens';
import { messages, sendKeyVaultError } from './errors';

export function requireVaultBearerToken(ctx: SandboxContext): RequestHandler {
  const vaultTenantId = ctx.seed.publisher.tenantId;
  const challenge = `Bearer authorization="${ctx.urls.entra}/${vaultTenantId}", resource="${RESOURCES.keyVault}"`;
  const refuse = (res: Response, message: string) => {
    res.set('WWW-Authenticate', challenge);
    sendKeyVaultError(res, 401, 'Unauthorized', message);
  };

  return async (req, res, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!token) return refuse(res, messages.missingToken);
    const refusal = await tokenRefusal(ctx, token, vaultTenantId);
    if (refusal) return refuse(res, refusal);
    next();
  };
}

/** Why Key Vault would refuse this token, or undefined when it is good for this vault. */
async function tokenRefusal(
  ctx: SandboxContext,
  token: string,
  vaultTenantId: string,
): Promise<string | undefined> {
  const expectedIssuer = v1Issuer(vaultTenantId);
  try {
    const claims = await verifyAppOnlyToken(ctx, token, RESOURCES.keyVault);
    return claims.tid === vaultTenantId ? undefined : messages.invalidIssuer(expectedIssuer, claims.iss);
  } catch (error) {
    if (error instanceof errors.JWTExpired) return messages.expiredToken;
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      return messages.invalidAudience(RESOURCES.keyVault, String(readClaims(token)?.aud ?? ''));
    }
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
      return messages.unknownSigningKey(token.split('.')[0] ?? '');
    }
    if (error instanceof errors.JOSEError || !readClaims(token)) return messages.unreadableToken;
    // verifyAppOnlyToken's own check: a signed token whose issuer is not the v1 issuer of its tid.
    return messages.invalidIssuer(expectedIssuer, String(readClaims(token)?.iss ?? ''));
  }
}

function readClaims(token: string) {
  try {
    decodeProtectedHeader(token);
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}
