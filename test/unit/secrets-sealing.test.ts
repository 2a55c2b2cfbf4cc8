/**
 * Sealing in the browser (jose on WebCrypto, the function the tab bundles) and opening on the
 * server: the round trip, the binding to tenant, user, purpose, nonce and expiry (the issue's
 * attack: one admin's envelope posted by another), key rotation, every refusal, and that no refusal
 * repeats what it was given. The nonces live in a real (in-memory SQLite) store.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt, decodeProtectedHeader, importJWK } from 'jose';
import { sealPassword, type SealingGrant as BrowserGrant } from '../../api/src/secrets/seal-password';
import {
  InvalidSealedPasswordError,
  JwePasswordSealer,
  type InvalidSealedPasswordReason,
} from '../../api/src/secrets/password-sealer';
import type { SealedPassword, SealingContext } from '../../api/src/secrets/port';
import { sealedPasswordBodySchema as sealedPasswordSchema } from '../../api/src/http/contract';
import { problemFromError } from '../../api/src/http/problem';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';

const PASSWORD = 'Sandbox-Only-Pa55!-ünïcødé-🔑';
const FABRIKAM: SealingContext = {
  tenantId: 'tid-fabrikam',
  userId: 'oid-fabrikam-admin',
  purpose: 'connect',
};
const CONTOSO: SealingContext = { tenantId: 'tid-contoso', userId: 'oid-contoso-admin', purpose: 'connect' };

function pem(bits = 3072): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
}

async function refusal(promise: Promise<unknown>): Promise<InvalidSealedPasswordError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSealedPasswordError);
    return error as InvalidSealedPasswordError;
  }
  throw new Error('expected the sealed password to be refused');
}

/** Flips one bit in the middle of one part of a compact JWE. */
function tamper(jwe: string, part: number): string {
  const parts = jwe.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

/** What the tab does: a grant for the context, then sealPassword with it. */
async function sealAs(sealer: JwePasswordSealer, context: SealingContext, password = PASSWORD) {
  return sealPassword((await sealer.grant(context)) as BrowserGrant, password);
}

describe('sealed passwords bound to their tenant, user, purpose, nonce and expiry', () => {
  let keyPem: string;
  let otherPem: string;
  let store: IntegrationStore;
  let now: number;
  let sealer: JwePasswordSealer;
  const sealerWith = (options: { keyPem?: string; previousKeyPem?: string } = {}) =>
    new JwePasswordSealer({
      keyPem: options.keyPem ?? keyPem,
      ...(options.previousKeyPem ? { previousKeyPem: options.previousKeyPem } : {}),
      nonces: store,
      now: () => now,
    });

  beforeAll(() => {
    keyPem = pem();
    otherPem = pem();
  });
  beforeEach(() => {
    now = Date.parse('2026-11-30T10:00:00.000Z');
    store = openSqliteStore({ file: ':memory:' });
    sealer = sealerWith();
  });
  afterEach(() => store.close());

  it('grants an RSA-OAEP-256 key whose kid is its RFC 7638 thumbprint, and the binding for this admin and purpose', async () => {
    const grant = await sealer.grant(FABRIKAM);
    expect(grant.jwk).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      alg: 'RSA-OAEP-256',
      use: 'enc',
      kid: grant.kid,
    });
    // WebCrypto computes the same thumbprint input a JOSE library would.
    const canonical = JSON.stringify({ e: grant.jwk.e, kty: 'RSA', n: grant.jwk.n });
    const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
    expect(grant.kid).toBe(Buffer.from(digest).toString('base64url'));
    expect(grant.binding).toEqual({
      tid: FABRIKAM.tenantId,
      oid: FABRIKAM.userId,
      purpose: 'connect',
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      exp: Math.floor((now + 5 * 60_000) / 1000),
    });
    expect(grant.expiresAt).toBe('2026-11-30T10:05:00.000Z');
    expect((await sealer.grant(FABRIKAM)).binding.nonce).not.toBe(grant.binding.nonce);
  });

  it('opens what sealPassword (the tab) sealed, with the binding in the protected header', async () => {
    const first = await sealAs(sealer, FABRIKAM);
    const second = await sealAs(sealer, FABRIKAM);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(sealedPasswordSchema.parse(first)).toEqual(first);
    expect(decodeProtectedHeader(first.ciphertext)).toMatchObject({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: first.kid,
      tid: FABRIKAM.tenantId,
      oid: FABRIKAM.userId,
      purpose: 'connect',
    });
    expect(first.ciphertext).not.toContain(PASSWORD);
    await expect(sealer.open(first, FABRIKAM)).resolves.toBe(PASSWORD);
    await expect(sealer.open(second, FABRIKAM)).resolves.toBe(PASSWORD);
  });

  it('opens on another instance with the same key and store: grants and nonces are shared', async () => {
    const other = sealerWith();
    const sealed = await sealAs(sealer, FABRIKAM);
    expect((await other.grant(FABRIKAM)).kid).toBe(sealed.kid);
    await expect(other.open(sealed, FABRIKAM)).resolves.toBe(PASSWORD);
    expect((await refusal(sealer.open(sealed, FABRIKAM))).reason).toBe('replayed');
  });

  it('accepts a password of 256 ASCII characters', async () => {
    const longest = 'A'.repeat(256);
    await expect(sealer.open(await sealAs(sealer, FABRIKAM, longest), FABRIKAM)).resolves.toBe(longest);
  });

  describe('the issue’s attack and its variants: refused (400) before anything is decrypted', () => {
    it('Fabrikam’s envelope posted by Contoso’s admin is refused, and Fabrikam can still use it', async () => {
      const fabrikams = await sealAs(sealer, FABRIKAM);
      const error = await refusal(sealer.open(fabrikams, CONTOSO));
      expect(error).toMatchObject({ reason: 'other_tenant', code: 'sealed_password_other_tenant' });
      expect(problemFromError(error)).toMatchObject({ status: 400, code: 'sealed_password_other_tenant' });
      // The refusal did not use up Fabrikam's nonce.
      await expect(sealer.open(fabrikams, FABRIKAM)).resolves.toBe(PASSWORD);
    });

    it('another admin of the same tenant, or another purpose, is refused', async () => {
      const sealed = await sealAs(sealer, FABRIKAM);
      expect((await refusal(sealer.open(sealed, { ...FABRIKAM, userId: 'oid-other-admin' }))).code).toBe(
        'sealed_password_other_user',
      );
      expect((await refusal(sealer.open(sealed, { ...FABRIKAM, purpose: 'update' }))).code).toBe(
        'sealed_password_other_purpose',
      );
    });

    it('a replayed envelope is refused', async () => {
      const sealed = await sealAs(sealer, FABRIKAM);
      await sealer.open(sealed, FABRIKAM);
      expect((await refusal(sealer.open(sealed, FABRIKAM))).code).toBe('sealed_password_replayed');
    });

    it('an expired envelope is refused from the second it expires', async () => {
      const sealed = await sealAs(sealer, FABRIKAM);
      now += 5 * 60_000;
      expect((await refusal(sealer.open(sealed, FABRIKAM))).code).toBe('sealed_password_expired');
    });

    it('a header rewritten to the attacker’s own tenant, user and nonce does not decrypt', async () => {
      const fabrikams = await sealAs(sealer, FABRIKAM);
      const contosos = await sealAs(sealer, CONTOSO, 'whatever');
      // Contoso's own header (valid nonce, right tenant) over Fabrikam's wrapped key and ciphertext.
      const [contosoHeader] = contosos.ciphertext.split('.');
      const spliced = [contosoHeader, ...fabrikams.ciphertext.split('.').slice(1)].join('.');
      expect((await refusal(sealer.open({ kid: fabrikams.kid, ciphertext: spliced }, CONTOSO))).reason).toBe(
        'undecryptable',
      );
    });

    it('a nonce the server never issued is refused', async () => {
      const grant = (await sealer.grant(FABRIKAM)) as BrowserGrant;
      const forged = {
        ...grant,
        binding: { ...grant.binding, nonce: randomBytes(32).toString('base64url') },
      };
      const sealed = await sealPassword(forged, PASSWORD);
      expect((await refusal(sealer.open(sealed, FABRIKAM))).reason).toBe('replayed');
    });
  });

  describe('key rotation by kid', () => {
    it('the previous key still opens what was sealed to it; grants use the new key; without it, unknown_key', async () => {
      const sealedToOld = await sealAs(sealer, FABRIKAM);
      const rotated = sealerWith({ keyPem: otherPem, previousKeyPem: keyPem });
      const grant = await rotated.grant(FABRIKAM);
      expect(grant.kid).not.toBe(sealedToOld.kid);
      await expect(rotated.open(sealedToOld, FABRIKAM)).resolves.toBe(PASSWORD);
      await expect(rotated.open(await sealPassword(grant as BrowserGrant, PASSWORD), FABRIKAM)).resolves.toBe(
        PASSWORD,
      );
      const done = sealerWith({ keyPem: otherPem });
      expect((await refusal(done.open(await sealAs(sealer, FABRIKAM), FABRIKAM))).reason).toBe('unknown_key');
    });
  });

  describe('malformed envelopes: a typed 400 that repeats nothing it was given', () => {
    const refusals: Array<[string, InvalidSealedPasswordReason, () => Promise<SealedPassword>]> = [
      [
        'a password sealed to another key',
        'unknown_key',
        async () => sealAs(sealerWith({ keyPem: otherPem }), FABRIKAM),
      ],
      [
        'a body kid that differs from the header’s',
        'malformed',
        async () => ({ ...(await sealAs(sealer, FABRIKAM)), kid: 'x'.repeat(43) }),
      ],
      [
        'a ciphertext relabelled with our kid that another key sealed',
        'undecryptable',
        async () => {
          const grant = (await sealer.grant(FABRIKAM)) as BrowserGrant;
          const otherKey = (await sealerWith({ keyPem: otherPem }).grant(FABRIKAM))
            .jwk as BrowserGrant['jwk'];
          return sealPassword({ ...grant, jwk: otherKey }, PASSWORD);
        },
      ],
      [
        'a tampered ciphertext',
        'undecryptable',
        async () => {
          const sealed = await sealAs(sealer, FABRIKAM);
          return { ...sealed, ciphertext: tamper(sealed.ciphertext, 3) };
        },
      ],
      [
        'a tampered authentication tag',
        'undecryptable',
        async () => {
          const sealed = await sealAs(sealer, FABRIKAM);
          return { ...sealed, ciphertext: tamper(sealed.ciphertext, 4) };
        },
      ],
      [
        'something that is not a compact JWE',
        'malformed',
        async () => ({ kid: 'x'.repeat(43), ciphertext: `${PASSWORD}==` }),
      ],
      [
        'a header with more than the binding (jku)',
        'malformed',
        async () => {
          const grant = (await sealer.grant(FABRIKAM)) as BrowserGrant;
          const key = await importJWK({ kty: 'RSA', n: grant.jwk.n!, e: grant.jwk.e! }, 'RSA-OAEP-256');
          const header = { ...grant.binding, alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: grant.kid };
          const ciphertext = await new CompactEncrypt(new TextEncoder().encode(PASSWORD))
            .setProtectedHeader({ ...header, jku: 'https://evil.example/keys' })
            .encrypt(key);
          return { kid: grant.kid, ciphertext };
        },
      ],
      ['an empty password', 'empty', async () => sealAs(sealer, FABRIKAM, '')],
      ['a password over 256 characters', 'too_long', async () => sealAs(sealer, FABRIKAM, 'B'.repeat(257))],
    ];

    it.each(refusals)('%s', async (_name, reason, seal) => {
      const sealed = await seal();
      const error = await refusal(sealer.open(sealed, FABRIKAM));
      expect(error).toMatchObject({ code: 'invalid_sealed_password', reason });
      expect(problemFromError(error)?.status).toBe(400);
      const rendered = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      expect(rendered).not.toContain(PASSWORD);
      expect(rendered).not.toContain('B'.repeat(20));
      expect(rendered).not.toContain(sealed.ciphertext.slice(0, 32));
    });
  });

  it('will not seal to a key that is not RSA-OAEP-256', async () => {
    const grant = (await sealer.grant(FABRIKAM)) as BrowserGrant;
    await expect(
      sealPassword({ ...grant, jwk: { ...grant.jwk, alg: 'RSA-OAEP' } }, PASSWORD),
    ).rejects.toThrow(/not for RSA-OAEP-256/);
  });

  it('refuses a sealing key smaller than 3072 bits, current or previous', () => {
    expect(() => sealerWith({ keyPem: pem(2048) })).toThrow(/at least 3072 bits/);
    expect(() => sealerWith({ previousKeyPem: pem(2048) })).toThrow(/at least 3072 bits/);
  });

  it('the body schema takes only {kid, ciphertext} with a compact JWE', async () => {
    const sealed = await sealAs(sealer, FABRIKAM);
    expect(sealedPasswordSchema.safeParse({ ...sealed, password: 'x' }).success).toBe(false);
    expect(sealedPasswordSchema.safeParse({ kid: sealed.kid, ciphertext: 'AAAA' }).success).toBe(false);
    expect(sealedPasswordSchema.safeParse({ kid: sealed.kid }).success).toBe(false);
  });
});
