/**
 * Our certificate's `private_key_jwt` client assertion (RFC 7523), in the shape msal-node signs
 * and Entra accepts: PS256 with `x5t#S256`, `aud` the token endpoint, `iss` = `sub` = our client id,
 * ten minutes of life, a fresh `jti` each time. The certificate and key are parsed once, here.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** How long an assertion is valid, as msal-node makes them. */
const ASSERTION_LIFETIME_SECONDS = 600;

export class ClientAssertionSigner {
  private readonly key: KeyObject;
  private readonly x5tS256: string;

  constructor(
    private readonly clientId: string,
    certificate: { certPem: string; keyPem: string },
    private readonly nowMs: () => number = Date.now,
  ) {
    const cert = new X509Certificate(certificate.certPem);
    this.key = createPrivateKey(certificate.keyPem);
    if (!cert.checkPrivateKey(this.key)) {
      throw new Error('The app certificate and its private key do not belong together.');
    }
    this.x5tS256 = createHash('sha256').update(cert.raw).digest('base64url');
  }

  /** A new assertion for one request to `tokenEndpoint` (never re-presented: Entra may enforce `jti`). */
  sign(tokenEndpoint: string): Promise<string> {
    const issuedAt = Math.floor(this.nowMs() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': this.x5tS256 })
      .setAudience(tokenEndpoint)
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .sign(this.key);
  }
}
