/**
 * Verifies a `private_key_jwt` client assertion the way Entra does: PS256 + `x5t#S256` or RS256 +
 * `x5t` against the app's registered certificates, then `iss`/`sub`, `aud`, lifetime and `jti`.
 */
import { constants, verify } from 'node:crypto';
import { z } from 'zod';
import type { DirectoryState, RegisteredCertificate } from '../directory';
import { aadsts, type EntraError } from './errors';

/** Entra tolerates five minutes of clock skew on `nbf` / `exp`. */
const CLOCK_SKEW_SECONDS = 300;

const headerSchema = z.object({
  alg: z.enum(['PS256', 'RS256']),
  'x5t#S256': z.string().optional(),
  x5t: z.string().optional(),
});
const claimsSchema = z.object({
  aud: z.union([z.string(), z.array(z.string())]),
  iss: z.string(),
  sub: z.string(),
  exp: z.number(),
  nbf: z.number().optional(),
  jti: z.string().min(1),
});

/** Remembers assertion ids until their expiry, so each assertion authenticates exactly once. */
export class JtiReplayCache {
  private readonly seen = new Map<string, number>();

  /** True when `jti` is new (and now remembered); false when it was already used. */
  remember(jti: string, expiresAtMs: number, nowMs: number): boolean {
    for (const [id, until] of this.seen) if (until < nowMs) this.seen.delete(id);
    if (this.seen.has(jti)) return false;
    this.seen.set(jti, expiresAtMs);
    return true;
  }
}

export interface AssertionCheck {
  assertion: string;
  clientId: string;
  /** Every `aud` value Entra accepts for this request (the token endpoint, by tenant GUID or domain). */
  audiences: string[];
  nowMs: number;
}

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Hex thumbprint (as the directory stores it) from a base64url `x5t` / `x5t#S256` header. */
const hexThumbprint = (b64url: string) => Buffer.from(b64url, 'base64url').toString('hex').toUpperCase();

function signatureValid(
  alg: 'PS256' | 'RS256',
  cert: RegisteredCertificate,
  data: string,
  signature: Buffer,
) {
  const key =
    alg === 'PS256'
      ? {
          key: cert.publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : cert.publicKey;
  return verify('sha256', Buffer.from(data), key, signature);
}

/** Returns the Entra error for a bad assertion, or undefined when it authenticates the client. */
export function verifyClientAssertion(
  directory: DirectoryState,
  replay: JtiReplayCache,
  check: AssertionCheck,
): EntraError | undefined {
  const parts = check.assertion.split('.');
  if (parts.length !== 3) return aadsts.malformedAssertion();
  const [rawHeader, rawClaims, rawSignature] = parts as [string, string, string];
  let header: z.infer<typeof headerSchema>;
  let claims: z.infer<typeof claimsSchema>;
  try {
    header = headerSchema.parse(decodeSegment(rawHeader));
    claims = claimsSchema.parse(decodeSegment(rawClaims));
  } catch {
    return aadsts.malformedAssertion();
  }

  // PS256 names its key by SHA-256 thumbprint; the deprecated RS256 form by SHA-1.
  const keyId = header.alg === 'PS256' ? header['x5t#S256'] : header.x5t;
  if (!keyId) return aadsts.malformedAssertion();
  const thumbprint = hexThumbprint(keyId);
  const cert = directory.findCertificate(thumbprint, check.clientId);
  if (!cert) return aadsts.certificateNotRegistered(check.clientId, thumbprint);
  if (
    !signatureValid(header.alg, cert, `${rawHeader}.${rawClaims}`, Buffer.from(rawSignature, 'base64url'))
  ) {
    return aadsts.invalidSignature(check.clientId, thumbprint);
  }
  if (cert.notAfter.getTime() <= check.nowMs) {
    return aadsts.certificateExpired(check.clientId, thumbprint, cert.notBefore, cert.notAfter);
  }

  if (claims.iss !== check.clientId || claims.sub !== check.clientId) return aadsts.assertionClientMismatch();
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => check.audiences.includes(aud))) return aadsts.assertionAudience();

  const nowSeconds = check.nowMs / 1000;
  const nbf = claims.nbf ?? 0;
  if (claims.exp + CLOCK_SKEW_SECONDS < nowSeconds || nbf - CLOCK_SKEW_SECONDS > nowSeconds) {
    return aadsts.assertionLifetime(new Date(check.nowMs), new Date(nbf * 1000), new Date(claims.exp * 1000));
  }
  const rememberUntilMs = (claims.exp + CLOCK_SKEW_SECONDS) * 1000;
  if (!replay.remember(`${check.clientId}:${claims.jti}`, rememberUntilMs, check.nowMs)) {
    return aadsts.assertionReplayed();
  }
  return undefined;
}
