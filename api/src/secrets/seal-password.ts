/**
 * Seals a password to the server's public key before it leaves the browser: RSA-OAEP with SHA-256
 * through WebCrypto only (no Node imports, no Buffer), so the Teams tab bundles this very file and
 * Node (which has the same globalThis.crypto.subtle) uses it in tests and the CLI.
 */

/** The server's public sealing key, as `GET /api/sealing-key` publishes it (a JWK). */
export interface SealingPublicKey {
  kty: string;
  n?: string;
  e?: string;
  alg?: string;
  kid?: string;
}

/** What leaves the browser: the key's id and the ciphertext, never the password. */
export interface SealedPasswordEnvelope {
  kid: string;
  ciphertext: string;
}

/** OAEP with SHA-256 adds 2 × 32 + 2 bytes of padding to the message. */
const OAEP_SHA256_OVERHEAD = 66;

export async function sealPassword(jwk: SealingPublicKey, password: string): Promise<SealedPasswordEnvelope> {
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e || !jwk.kid)
    throw new Error('The sealing key is not an RSA public key');
  if (jwk.alg !== undefined && jwk.alg !== 'RSA-OAEP-256')
    throw new Error('The sealing key is not for RSA-OAEP-256');
  const plaintext = new TextEncoder().encode(password);
  const modulusBytes = base64UrlDecodedLength(jwk.n);
  if (plaintext.length > modulusBytes - OAEP_SHA256_OVERHEAD)
    throw new Error('The password is too long to seal');
  const key = await globalThis.crypto.subtle.importKey(
    'jwk',
    { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RSA-OAEP-256', ext: true },
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['encrypt'],
  );
  const ciphertext = await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, plaintext);
  return { kid: jwk.kid, ciphertext: base64UrlEncode(new Uint8Array(ciphertext)) };
}

function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes of the modulus (a leading zero byte, if any, does not count). */
function base64UrlDecodedLength(value: string): number {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
  return binary.charCodeAt(0) === 0 ? binary.length - 1 : binary.length;
}
