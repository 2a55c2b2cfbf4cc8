/**
 * Seals a password to the server's public key before it leaves the browser, in an envelope bound to
 * who may open it and for what: a compact JWE (RFC 7516) — RSA-OAEP-256 wraps an A256GCM key — whose
 * protected header carries the tenant, the user, the purpose, the server's single-use nonce and the
 * expiry the server handed out with its key. AES-GCM authenticates that header together with the
 * password, so none of it can be changed without the server refusing the envelope. jose on WebCrypto
 * only (no Node imports, no Buffer): the Teams tab bundles this very file, and Node uses it in tests.
 */
import { CompactEncrypt, importJWK } from 'jose';

/** The server's public sealing key, as `POST /api/sealing-key` publishes it (a JWK). */
export interface SealingPublicKey {
  kty: string;
  n?: string;
  e?: string;
  alg?: string;
  kid?: string;
}

/** What the envelope is bound to; the server hands it out with its key, for the signed-in admin. */
export interface SealingBinding {
  /** Tenant id of the admin. */
  tid: string;
  /** Entra object id of the admin. */
  oid: string;
  purpose: 'connect' | 'update';
  /** Single-use: the server accepts one envelope with it. */
  nonce: string;
  /** Seconds since the epoch (JWT NumericDate) after which the server refuses the envelope. */
  exp: number;
}

export interface SealingGrant {
  kid: string;
  jwk: SealingPublicKey;
  binding: SealingBinding;
}

/** What leaves the browser: the key's id and the compact JWE, never the password. */
export interface SealedPasswordEnvelope {
  kid: string;
  ciphertext: string;
}

export const SEALING_KEY_ALGORITHM = 'RSA-OAEP-256';
export const SEALING_CONTENT_ALGORITHM = 'A256GCM';

export async function sealPassword(grant: SealingGrant, password: string): Promise<SealedPasswordEnvelope> {
  const { kid, jwk, binding } = grant;
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('The sealing key is not an RSA public key');
  if (jwk.alg !== undefined && jwk.alg !== SEALING_KEY_ALGORITHM)
    throw new Error('The sealing key is not for RSA-OAEP-256');
  const key = await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e }, SEALING_KEY_ALGORITHM);
  const ciphertext = await new CompactEncrypt(new TextEncoder().encode(password))
    .setProtectedHeader({
      tid: binding.tid,
      oid: binding.oid,
      purpose: binding.purpose,
      nonce: binding.nonce,
      exp: binding.exp,
      alg: SEALING_KEY_ALGORITHM,
      enc: SEALING_CONTENT_ALGORITHM,
      kid,
    })
    .encrypt(key);
  return { kid, ciphertext };
}
