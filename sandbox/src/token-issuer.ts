/**
 * The sandbox's signing authority: one RSA key, published as JWKS, used for every token the
 * sandbox Entra ID issues (app-only access tokens, Teams SSO tokens) and verified by the
 * sandbox resource servers (EWS, Key Vault, the Bot connector) exactly as Microsoft's do.
 */
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { createHash, randomUUID } from 'node:crypto';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface Jwks {
  keys: JWK[];
}

export class TokenIssuer {
  private constructor(
    private readonly privateKey: SigningKey,
    private readonly publicJwk: JWK,
    readonly kid: string,
  ) {}

  static async create(): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 27);
    return new TokenIssuer(privateKey, { ...jwk, kid, kty: 'RSA', use: 'sig', alg: 'RS256' }, kid);
  }

  jwks(): Jwks {
    return { keys: [{ ...this.publicJwk, x5t: this.kid } as JWK] };
  }

  /** Signs claims the way Entra ID does: RS256, `kid` and `x5t` headers, iat/nbf/exp in seconds. */
  async sign(claims: JWTPayload, lifetimeSeconds: number, nowMs: number = Date.now()): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ ...claims, uti: randomUUID().replace(/-/g, '').slice(0, 22) })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid, x5t: this.kid })
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + lifetimeSeconds)
      .sign(this.privateKey);
  }

  /** Verifies signature, lifetime and audience; throws jose errors on any mismatch. */
  async verify(token: string, audience: string | string[], currentDate?: Date): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks()), {
      audience,
      algorithms: ['RS256'],
      ...(currentDate ? { currentDate } : {}),
    });
    return payload;
  }
}
