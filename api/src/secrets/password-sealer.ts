/**
 * Opens passwords the tab sealed with sealPassword: RSA-OAEP with SHA-256, in memory only. Every
 * instance behind a load balancer shares the key (EC_SEALING_KEY_FILE, required).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  constants,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { AppError } from '../errors';
import type { PasswordSealer, SealedPassword } from './port';

/** Active Directory allows passwords of up to 256 characters. */
export const MAX_PASSWORD_CHARS = 256;
/** 3072 bits leave room for 256 ASCII characters under OAEP-SHA-256 (318 bytes). */
const MIN_MODULUS_BITS = 3072;

export type InvalidSealedPasswordReason =
  'unknown_key' | 'malformed' | 'undecryptable' | 'empty' | 'too_long';

/** The request carried a sealed password we cannot accept: the HTTP layer answers 400. */
export class InvalidSealedPasswordError extends AppError {
  readonly area = 'sealed_password';
  readonly code = 'invalid_sealed_password';

  constructor(readonly reason: InvalidSealedPasswordReason) {
    super(REASONS[reason]);
    this.name = 'InvalidSealedPasswordError';
  }
}

// Fixed texts: nothing from the request (ciphertext, plaintext) is ever echoed.
const REASONS: Record<InvalidSealedPasswordReason, string> = {
  unknown_key:
    'The password was sealed with a key this server does not hold (it may have restarted). Reload the page and enter the password again.',
  malformed: 'The sealed password is not valid base64url of one RSA block.',
  undecryptable: 'The sealed password could not be opened. Reload the page and enter the password again.',
  empty: 'The password is empty.',
  too_long: `The password is longer than ${MAX_PASSWORD_CHARS} characters.`,
};

export class RsaOaepPasswordSealer implements PasswordSealer {
  private readonly privateKey: KeyObject;
  private readonly jwk: JsonWebKey & { kid: string };
  private readonly modulusBytes: number;

  /** `privateKeyPem`: an RSA private key (PKCS#8 or PKCS#1) of at least 3072 bits. */
  constructor(options: { privateKeyPem: string }) {
    this.privateKey = createPrivateKey(options.privateKeyPem);
    const details = this.privateKey.asymmetricKeyDetails;
    if (this.privateKey.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < MIN_MODULUS_BITS) {
      throw new Error(`The sealing key must be an RSA key of at least ${MIN_MODULUS_BITS} bits`);
    }
    this.modulusBytes = Math.ceil((details?.modulusLength ?? 0) / 8);
    const { n, e } = createPublicKey(this.privateKey).export({ format: 'jwk' });
    if (!n || !e) throw new Error('The sealing key has no RSA modulus or exponent');
    const kid = rfc7638Thumbprint(n, e);
    this.jwk = { kty: 'RSA', n, e, alg: 'RSA-OAEP-256', use: 'enc', kid };
  }

  publicKey(): { kid: string; jwk: JsonWebKey } {
    return { kid: this.jwk.kid, jwk: { ...this.jwk } };
  }

  open(sealed: SealedPassword): string {
    if (sealed.kid !== this.jwk.kid) throw new InvalidSealedPasswordError('unknown_key');
    const ciphertext = decodeBase64Url(sealed.ciphertext);
    if (!ciphertext || ciphertext.length !== this.modulusBytes)
      throw new InvalidSealedPasswordError('malformed');
    let plaintext: Buffer;
    try {
      plaintext = privateDecrypt(
        { key: this.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ciphertext,
      );
    } catch {
      // OpenSSL's reason is dropped on purpose: OAEP failures must all look the same.
      throw new InvalidSealedPasswordError('undecryptable');
    }
    let password: string;
    try {
      password = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    } catch {
      throw new InvalidSealedPasswordError('undecryptable');
    } finally {
      plaintext.fill(0);
    }
    if (password.length === 0) throw new InvalidSealedPasswordError('empty');
    if ([...password].length > MAX_PASSWORD_CHARS) throw new InvalidSealedPasswordError('too_long');
    return password;
  }
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
function rfc7638Thumbprint(n: string, e: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}

function decodeBase64Url(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}
