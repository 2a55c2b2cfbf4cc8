/** `npm run setup:certs`: generates (once) the sandbox CA, TLS and app certificates into .local/certs. */
import { ensureDevCertificates, certificateThumbprints } from './dev-certs';

void ensureDevCertificates().then((certs) => {
  const { sha1, sha256 } = certificateThumbprints(certs.appCertPem);
  console.log(`Development certificates in ${certs.dir}`);
  console.log(`  sandbox CA:        ${certs.paths.caCert}`);
  console.log(`  app certificate:   ${certs.paths.appCert} (SHA-256 ${sha256}, SHA-1 ${sha1})`);
});
