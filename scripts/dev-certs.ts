/**
 * Development certificates, generated on first start into a git-ignored folder (never committed):
 * - the sandbox CA and the TLS certificate every sandbox service and the local app serve,
 * - the app's own certificate + private key for the client-credentials flow (what an admin
 *   would upload to the Entra app registration in a real tenant),
 * - the sealing key the tab seals service-account passwords to (one per deployment).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const DEFAULT_CERT_DIR = path.resolve(__dirname, '..', '.local', 'certs');

/** Host names the sandbox TLS certificate covers: loopback plus the fictional demo domains. */
const TLS_DNS_NAMES = ['localhost', 'contoso.com', '*.contoso.com', 'fabrikam.com', '*.fabrikam.com'];
const TLS_IPS = ['127.0.0.1', '::1'];

const FILES = {
  caCert: 'sandbox-ca.pem',
  caKey: 'sandbox-ca.key',
  tlsCert: 'sandbox-tls.pem',
  tlsKey: 'sandbox-tls.key',
  appCert: 'app-cert.pem',
  appKey: 'app-cert.key',
  sealingKey: 'sealing-key.pem',
} as const;

export interface DevCertificates {
  dir: string;
  caCertPem: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  appCertPem: string;
  appKeyPem: string;
  /** The RSA key the tab seals service-account passwords to (EC_SEALING_KEY_FILE). */
  sealingKeyPem: string;
  paths: Record<keyof typeof FILES, string>;
}

const RSA_ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function randomSerial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 24 * 60 * 60 * 1000) };
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function createCa(): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=Exchange Connect Sandbox CA, O=Exchange Connect (development only)',
    ...validity(3650),
    keys,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function createTlsCert(ca: { cert: x509.X509Certificate; keys: CryptoKeyPair }) {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.cert.subject,
    ...validity(825),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...TLS_DNS_NAMES.map((value) => ({ type: 'dns' as const, value })),
        ...TLS_IPS.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert, keys };
}

/** A self-signed certificate for the client-credentials flow, as Entra ID accepts for app credentials. */
export async function createAppCertificate(
  options: { commonName?: string; validDays?: number; notAfter?: Date } = {},
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await newKeys();
  const range = validity(options.validDays ?? 365);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${options.commonName ?? 'Exchange Connect app credential'}`,
    notBefore: range.notBefore,
    notAfter: options.notAfter ?? range.notAfter,
    keys,
    signingAlgorithm: RSA_ALG,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/** Thumbprints as Entra shows them: hex, upper case, no colons. */
export function certificateThumbprints(certPem: string): { sha1: string; sha256: string } {
  const der = new X509Certificate(certPem).raw;
  return {
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

function pathsFor(dir: string): Record<keyof typeof FILES, string> {
  return Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, path.join(dir, f)])) as Record<
    keyof typeof FILES,
    string
  >;
}

function read(dir: string): DevCertificates {
  const paths = pathsFor(dir);
  return {
    dir,
    paths,
    caCertPem: readFileSync(paths.caCert, 'utf8'),
    tlsCertPem: readFileSync(paths.tlsCert, 'utf8'),
    tlsKeyPem: readFileSync(paths.tlsKey, 'utf8'),
    appCertPem: readFileSync(paths.appCert, 'utf8'),
    appKeyPem: readFileSync(paths.appKey, 'utf8'),
    sealingKeyPem: readFileSync(paths.sealingKey, 'utf8'),
  };
}

/** Loads the development certificates from `dir`, generating whatever is missing. Idempotent. */
export async function ensureDevCertificates(dir: string = DEFAULT_CERT_DIR): Promise<DevCertificates> {
  const paths = pathsFor(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const writeSecret = (file: string, pem: string) => writeFileSync(file, pem, { mode: 0o600 });
  if (![paths.caCert, paths.caKey, paths.tlsCert, paths.tlsKey].every((p) => existsSync(p))) {
    const ca = await createCa();
    const tls = await createTlsCert(ca);
    writeFileSync(paths.caCert, ca.cert.toString('pem') + '\n');
    writeSecret(paths.caKey, await exportKeyPem(ca.keys.privateKey));
    writeFileSync(paths.tlsCert, tls.cert.toString('pem') + '\n' + ca.cert.toString('pem') + '\n');
    writeSecret(paths.tlsKey, await exportKeyPem(tls.keys.privateKey));
  }
  if (!existsSync(paths.appCert) || !existsSync(paths.appKey)) {
    const app = await createAppCertificate();
    writeFileSync(paths.appCert, app.certPem);
    writeSecret(paths.appKey, app.keyPem);
  }
  if (!existsSync(paths.sealingKey)) {
    // Generated once and kept, as production keeps one key for all instances.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    writeSecret(paths.sealingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  }
  return read(dir);
}
