/**
 * Sealing in the browser (WebCrypto, the function the tab bundles) and opening on the server
 * (node:crypto): the round trip, every refusal, and that no refusal repeats what it was given.
 */
import { generateKeyPairSync } from 'node:crypto';
import { sealPassword } from '../../api/src/secrets/seal-password';
import {
  InvalidSealedPasswordError,
  RsaOaepPasswordSealer,
  type InvalidSealedPasswordReason,
} from '../../api/src/secrets/password-sealer';
import { sealedPasswordBodySchema as sealedPasswordSchema } from '../../api/src/http/contract';
import { problemFromError } from '../../api/src/http/problem';
import type { PublicJwk } from '../../api/src/http/contract';

const PASSWORD = 'Sandbox-Only-Pa55!-ünïcødé-🔑';

function pem(bits = 3072): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
}

function refusalOf(action: () => unknown): InvalidSealedPasswordError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSealedPasswordError);
    return error as InvalidSealedPasswordError;
  }
  throw new Error('expected the sealed password to be refused');
}

/** Flips one bit in the middle of the ciphertext. */
function tamper(ciphertext: string): string {
  const bytes = Buffer.from(ciphertext, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('sealing a password in the browser and opening it on the server', () => {
  let keyPem: string;
  let sealer: RsaOaepPasswordSealer;
  let jwk: PublicJwk;
  let otherKey: PublicJwk;

  beforeAll(() => {
    keyPem = pem();
    otherKey = new RsaOaepPasswordSealer({ privateKeyPem: pem() }).publicKey().jwk as PublicJwk;
    sealer = new RsaOaepPasswordSealer({ privateKeyPem: keyPem });
    jwk = sealer.publicKey().jwk as PublicJwk;
  });

  it('publishes an RSA-OAEP-256 encryption key whose kid is its RFC 7638 thumbprint', async () => {
    const { kid, jwk: published } = sealer.publicKey();
    expect(published).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      alg: 'RSA-OAEP-256',
      use: 'enc',
      kid,
    });
    // WebCrypto computes the same thumbprint input a JOSE library would.
    const canonical = JSON.stringify({ e: published.e, kty: 'RSA', n: published.n });
    const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
    expect(kid).toBe(Buffer.from(digest).toString('base64url'));
  });

  it('opens what sealPassword (WebCrypto) sealed, and sealing twice never gives the same ciphertext', async () => {
    const first = await sealPassword(jwk, PASSWORD);
    const second = await sealPassword(jwk, PASSWORD);
    expect(first.kid).toBe(sealer.publicKey().kid);
    expect(first.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(sealedPasswordSchema.parse(first)).toEqual(first);
    expect(sealer.open(first)).toBe(PASSWORD);
    expect(sealer.open(second)).toBe(PASSWORD);
  });

  it('gives the same kid for the same PEM in every instance, so instances behind a load balancer agree', async () => {
    const other = new RsaOaepPasswordSealer({ privateKeyPem: keyPem });
    expect(other.publicKey()).toEqual(sealer.publicKey());
    expect(other.open(await sealPassword(jwk, PASSWORD))).toBe(PASSWORD);
  });

  it('accepts a password of 256 ASCII characters', async () => {
    const longest = 'A'.repeat(256);
    expect(sealer.open(await sealPassword(jwk, longest))).toBe(longest);
  });

  describe('refuses, with a typed 400 error that repeats nothing it was given', () => {
    const refusals: Array<
      [string, InvalidSealedPasswordReason, () => Promise<{ kid: string; ciphertext: string }>]
    > = [
      ['a password sealed to another key', 'unknown_key', async () => sealPassword(otherKey, PASSWORD)],
      [
        'a ciphertext relabelled with our kid that another key sealed',
        'undecryptable',
        async () => ({ ...(await sealPassword(otherKey, PASSWORD)), kid: sealer.publicKey().kid }),
      ],
      [
        'a tampered ciphertext',
        'undecryptable',
        async () => {
          const sealed = await sealPassword(jwk, PASSWORD);
          return { ...sealed, ciphertext: tamper(sealed.ciphertext) };
        },
      ],
      [
        'a ciphertext of the wrong length',
        'malformed',
        async () => {
          const sealed = await sealPassword(jwk, PASSWORD);
          return { ...sealed, ciphertext: sealed.ciphertext.slice(0, -8) };
        },
      ],
      [
        'a ciphertext that is not base64url',
        'malformed',
        async () => ({ kid: sealer.publicKey().kid, ciphertext: `${PASSWORD}==` }),
      ],
      ['an empty password', 'empty', async () => sealPassword(jwk, '')],
      ['a password over 256 characters', 'too_long', async () => sealPassword(jwk, 'B'.repeat(257))],
    ];

    it.each(refusals)('%s', async (_name, reason, seal) => {
      const sealed = await seal();
      const error = refusalOf(() => sealer.open(sealed));
      expect(error).toMatchObject({ code: 'invalid_sealed_password', reason });
      expect(problemFromError(error)?.status).toBe(400);
      const rendered = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      expect(rendered).not.toContain(PASSWORD);
      expect(rendered).not.toContain('B'.repeat(20));
      expect(rendered).not.toContain(sealed.ciphertext.slice(0, 32));
    });
  });

  it('will not seal more than fits in one RSA block, and will not seal to a key that is not RSA-OAEP-256', async () => {
    await expect(sealPassword(jwk, '€'.repeat(200))).rejects.toThrow('The password is too long to seal');
    await expect(sealPassword({ ...jwk, alg: 'RSA-OAEP' }, PASSWORD)).rejects.toThrow(/not for RSA-OAEP-256/);
  });

  it('refuses a sealing key smaller than 3072 bits', () => {
    expect(() => new RsaOaepPasswordSealer({ privateKeyPem: pem(2048) })).toThrow(/at least 3072 bits/);
  });

  it('the body schema rejects anything but {kid, ciphertext} in base64url', () => {
    expect(sealedPasswordSchema.safeParse({ kid: 'a', ciphertext: 'b', password: 'x' }).success).toBe(false);
    expect(sealedPasswordSchema.safeParse({ kid: 'a', ciphertext: 'not base64!' }).success).toBe(false);
    expect(sealedPasswordSchema.safeParse({ kid: 'a' }).success).toBe(false);
  });
});
