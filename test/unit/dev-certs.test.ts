/**
 * Development certificates and keys live in a git-ignored folder, are generated once and then kept:
 * a sealing key regenerated at every start would make a password sealed a moment earlier (by a tab
 * still open) unreadable, exactly what a missing production key would do.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDevCertificates } from '../../scripts/dev-certs';

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(tmpdir(), 'ec-dev-certs-')), 'certs');
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

it('generates a 3072-bit sealing key once, private to the user, and keeps it across starts', async () => {
  const first = await ensureDevCertificates(dir);
  const key = createPrivateKey(first.sealingKeyPem);
  expect(key.asymmetricKeyType).toBe('rsa');
  expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
  expect(statSync(first.paths.sealingKey).mode & 0o077).toBe(0);
  const second = await ensureDevCertificates(dir);
  expect(second.sealingKeyPem).toBe(first.sealingKeyPem);
  expect(second.appKeyPem).toBe(first.appKeyPem);
  expect(second.tlsCertPem).toBe(first.tlsCertPem);
});
