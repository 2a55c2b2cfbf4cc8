/** The browser harness trusts the sandbox certificate by its key pin and nothing else. */
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { launch } from '../support/browser';
import { createAppCertificate } from '../../scripts/dev-certs';

jest.setTimeout(60_000);

describe('browser harness TLS trust', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  it('loads sandbox pages over HTTPS when the sandbox certificate is pinned', async () => {
    const browser = await launch({ trustedTlsCertPems: [sandbox.certs.tlsCertPem] });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`${sandbox.urls.home}/_sandbox`);
      expect(response?.status()).toBe(200);
    } finally {
      await browser.close();
    }
  });

  it('refuses the sandbox certificate when another key is pinned', async () => {
    const other = await createAppCertificate({ commonName: 'not the sandbox' });
    const browser = await launch({ trustedTlsCertPems: [other.certPem] });
    try {
      const page = await browser.newPage();
      await expect(page.goto(`${sandbox.urls.home}/_sandbox`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await browser.close();
    }
  });
});
