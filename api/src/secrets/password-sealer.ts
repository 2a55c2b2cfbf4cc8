/**
 * Hands out sealing grants and opens the passwords the tab sealed with sealPassword: a compact JWE
 * (RSA-OAEP-256 + A256GCM) whose protected header binds tenant, user, purpose, a single-use nonce
 * and an expiry. Opening checks that header against the signed-in admin and the use case and uses
 * the nonce up (in the shared store, so it holds across instances) before anything is decrypted;
 * the decryption then proves the header is the one sealed with the password. Every instance holds
 * the same key (EC_SEALING_KEY_FILE); a previous key (EC_SEALING_PREVIOUS_KEY_FILE) still opens
 * what was sealed to it while a rotation settles.
 */
import { createPrivateKey, createPublicKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { AppError } from '../errors';
import { SEALING_PURPOSES, type SealingNonceStoreOperations } from '../store/sealing-nonce-port';
import type { PasswordSealer, SealedPassword, SealingContext, SealingGrant } from './port';
import { SEALING_CONTENT_ALGORITHM, SEALING_KEY_ALGORITHM } from './seal-password';

/** Active Directory allows passwords of up to 256 characters. */
export const MAX_PASSWORD_CHARS = 256;
/** The tab asks for a grant when the admin submits the form: a few minutes are plenty. */
export const SEALING_GRANT_TTL_MS = 5 * 60 * 1000;
/** Keys this size (and larger) are all that RSA-OAEP-256 key wrapping should meet today. */
const MIN_MODULUS_BITS = 3072;

export type InvalidSealedPasswordReason =
  | 'unknown_key'
  | 'malformed'
  | 'undecryptable'
  | 'empty'
  | 'too_long'
  | 'other_tenant'
  | 'other_user'
  | 'other_purpose'
  | 'expired'
  | 'replayed';

/** The stable problem code of each reason (a 400); the envelope's own faults share one. */
const CODES: Record<InvalidSealedPasswordReason, string> = {
  unknown_key: 'invalid_sealed_password',
  malformed: 'invalid_sealed_password',
  undecryptable: 'invalid_sealed_password',
  empty: 'invalid_sealed_password',
  too_long: 'invalid_sealed_password',
  other_tenant: 'sealed_password_other_tenant',
  other_user: 'sealed_password_other_user',
  other_purpose: 'sealed_password_other_purpose',
  expired: 'sealed_password_expired',
  replayed: 'sealed_password_replayed',
};

const RELOAD = 'Enter the password again.';
// Fixed texts: nothing from the request (envelope, header, plaintext) is ever echoed.
const REASONS: Record<InvalidSealedPasswordReason, string> = {
  unknown_key: `The password was sealed with a key this server no longer holds. Reload the page and enter the password again.`,
  malformed: 'The sealed password is not an envelope Exchange Connect makes.',
  undecryptable: `The sealed password could not be opened. Reload the page and enter the password again.`,
  empty: 'The password is empty.',
  too_long: `The password is longer than ${MAX_PASSWORD_CHARS} characters.`,
  other_tenant: `The sealed password was sealed for another organisation. ${RELOAD}`,
  other_user: `The sealed password was sealed by another user. ${RELOAD}`,
  other_purpose: `The sealed password was sealed for another action. ${RELOAD}`,
  expired: `The sealed password has expired. ${RELOAD}`,
  replayed: `The sealed password was already used, or was not issued by this service. ${RELOAD}`,
};

/** The request carried a sealed password we cannot accept: the HTTP layer answers 400. */
export class InvalidSealedPasswordError extends AppError {
  readonly area = 'sealed_password';

  constructor(readonly reason: InvalidSealedPasswordReason) {
    super(REASONS[reason]);
    this.name = 'InvalidSealedPasswordError';
  }

  get code(): string {
    return CODES[this.reason];
  }
}

/** Exactly the header sealPassword writes; anything more (zip, crit, jku…) is refused. */
const headerSchema = z.strictObject({
  alg: z.literal(SEALING_KEY_ALGORITHM),
  enc: z.literal(SEALING_CONTENT_ALGORITHM),
  kid: z.string().max(128),
  tid: z.string().max(64),
  oid: z.string().max(64),
  purpose: z.enum(SEALING_PURPOSES),
  nonce: z.string().min(32).max(128),
  exp: z.number().int().positive(),
});
/** header.encrypted_key.iv.ciphertext.tag; the ciphertext of an empty password is empty. */
const COMPACT_JWE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

interface SealingKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonWebKey & { kid: string };
}

export interface JwePasswordSealerOptions {
  /** The current key: an RSA private key (PKCS#8 or PKCS#1) of at least 3072 bits. */
  keyPem: string;
  /** The key being rotated out: what was sealed to it still opens. */
  previousKeyPem?: string;
  nonces: SealingNonceStoreOperations;
  now?: () => number;
  grantTtlMs?: number;
}

export class JwePasswordSealer implements PasswordSealer {
  /** The current key first. jose's thumbprint is asynchronous, so the kids settle on first use. */
  private readonly keys: Promise<SealingKey[]>;
  private readonly now: () => number;

  constructor(private readonly options: JwePasswordSealerOptions) {
    this.now = options.now ?? Date.now;
    const pems = [options.keyPem, ...(options.previousKeyPem ? [options.previousKeyPem] : [])];
    const privateKeys = pems.map(rsaPrivateKey);
    this.keys = Promise.all(privateKeys.map(sealingKey));
  }

  async grant(context: SealingContext): Promise<SealingGrant> {
    const [current] = await this.keys;
    if (!current) throw new Error('No sealing key');
    const now = this.now();
    // Whole seconds, as the envelope's exp carries it.
    const exp = Math.floor((now + (this.options.grantTtlMs ?? SEALING_GRANT_TTL_MS)) / 1000);
    const expiresAt = new Date(exp * 1000).toISOString();
    const nonce = randomBytes(32).toString('base64url');
    await this.options.nonces.purgeExpiredSealingNonces(new Date(now));
    await this.options.nonces.createSealingNonce({ nonce, ...context, expiresAt });
    return {
      kid: current.kid,
      jwk: { ...current.jwk },
      binding: { tid: context.tenantId, oid: context.userId, purpose: context.purpose, nonce, exp },
      expiresAt,
    };
  }

  async open(sealed: SealedPassword, context: SealingContext): Promise<string> {
    const header = readHeader(sealed);
    const key = (await this.keys).find((k) => k.kid === header.kid);
    if (!key) throw new InvalidSealedPasswordError('unknown_key');
    if (header.tid !== context.tenantId) throw new InvalidSealedPasswordError('other_tenant');
    if (header.oid !== context.userId) throw new InvalidSealedPasswordError('other_user');
    if (header.purpose !== context.purpose) throw new InvalidSealedPasswordError('other_purpose');
    const now = this.now();
    if (header.exp * 1000 <= now) throw new InvalidSealedPasswordError('expired');
    const fresh = await this.options.nonces.consumeSealingNonce(
      { nonce: header.nonce, tenantId: context.tenantId, userId: context.userId, purpose: context.purpose },
      new Date(now),
    );
    if (!fresh) throw new InvalidSealedPasswordError('replayed');
    return decrypt(sealed.ciphertext, key.privateKey);
  }
}

function rsaPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) {
    throw new Error(`The sealing key must be an RSA key of at least ${MIN_MODULUS_BITS} bits`);
  }
  return key;
}

async function sealingKey(privateKey: KeyObject): Promise<SealingKey> {
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (!n || !e) throw new Error('The sealing key has no RSA modulus or exponent');
  // RFC 7638: the same kid on every instance that holds the same key.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256');
  return { kid, privateKey, jwk: { kty: 'RSA', n, e, alg: SEALING_KEY_ALGORITHM, use: 'enc', kid } };
}

function readHeader(sealed: SealedPassword): z.infer<typeof headerSchema> {
  if (!COMPACT_JWE.test(sealed.ciphertext)) throw new InvalidSealedPasswordError('malformed');
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(decodeProtectedHeader(sealed.ciphertext));
  } catch {
    throw new InvalidSealedPasswordError('malformed');
  }
  if (header.kid !== sealed.kid) throw new InvalidSealedPasswordError('malformed');
  return header;
}

async function decrypt(jwe: string, privateKey: KeyObject): Promise<string> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: [SEALING_KEY_ALGORITHM],
      contentEncryptionAlgorithms: [SEALING_CONTENT_ALGORITHM],
    }));
  } catch {
    // jose's reason is dropped on purpose: every failure to open must look the same.
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
