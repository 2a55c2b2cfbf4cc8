/**
 * The TLS trust (Node's roots plus the configured CA) is built into one secure context when the
 * outbound policy is made, and every request reuses it: building one per request parses every root
 * certificate again, which cost 15-24 % of a health sweep's CPU. Counted where Node builds them
 * (tls.createSecureContext, which https and tls.connect call for a request without a context).
 */
import tls from 'node:tls';
import { EwsGateway } from '../../api/src/exchange/ews-gateway';
import { ensureDevCertificates } from '../../scripts/dev-certs';
import { startCannedServer } from '../support/canned-https';
import { exchangeFailure } from '../support/rejections';
import { testPolicy } from '../support/outbound';

test('twenty EWS requests to a customer endpoint build no TLS context of their own', async () => {
  const certs = await ensureDevCertificates();
  const server = await startCannedServer({ certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem });
  const gateway = new EwsGateway({
    appId: '00000000-0000-0000-0000-000000000001',
    policy: testPolicy({ caPem: certs.caCertPem, dangerouslyAllowPrivateHosts: true }),
  });
  const spy = jest.spyOn(tls, 'createSecureContext');
  try {
    for (let i = 0; i < 20; i++) {
      // The server answers 401 and closes the connection, so each request makes a new TLS connection.
      const ewsUrl = server.urlFor({
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="x"', connection: 'close' },
      });
      const connection = {
        method: 'basic',
        tenantId: `t-${i}`,
        ewsUrl,
        username: 'svc@fabrikam.com',
        password: 'x',
      } as const;
      expect(await exchangeFailure(gateway.openCalendar(connection, 'admin@fabrikam.com'))).toMatchObject({
        kind: 'invalid_credentials',
      });
    }
    expect(spy).not.toHaveBeenCalled();
  } finally {
    spy.mockRestore();
    gateway.close();
    await server.close();
  }
});
