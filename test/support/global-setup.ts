/** Generates the development certificates once, before jest starts parallel workers. */
import { ensureDevCertificates } from '../../scripts/dev-certs';

export default async function globalSetup(): Promise<void> {
  await ensureDevCertificates();
}
