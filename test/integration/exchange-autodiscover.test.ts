/**
 * POX Autodiscover for admin@fabrikam.com against the sandbox's Exchange Server, with fabrikam.com
 * and autodiscover.fabrikam.com mapped to the sandbox (TLS still checks those names). Redirects are
 * driven with `/_sandbox/exchange/autodiscover`; what the sandbox refuses to send (an http redirect,
 * an endless chain) comes from a small hostile redirector on the same certificate.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { PoxAutodiscoverClient, type PoxAutodiscoverOptions } from '../../api/src/exchange/autodiscover';
import { exchangeFailure } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

const CREDENTIALS = { username: 'svc-ews@fabrikam.com', password: 'Sandbox-Only-Pa55!' };
let sandbox: TestSandbox;
let exchangeServer: string; // 127.0.0.1:port
const clients: PoxAutodiscoverClient[] = [];

function client(options: Partial<PoxAutodiscoverOptions> = {}): PoxAutodiscoverClient {
  const c = new PoxAutodiscoverClient({
    appId: sandbox.context.seed.app.clientId,
    caPem: sandbox.certs.caCertPem,
    dangerouslyAllowPrivateHosts: true,
    dangerouslyResolveHosts: {
      'fabrikam.com': exchangeServer,
      'autodiscover.fabrikam.com': exchangeServer,
      'autodiscover.contoso.com': exchangeServer,
    },
    ...options,
  });
  clients.push(c);
  return c;
}

const autodiscoverRequests = () =>
  ewsTraffic(sandbox.context)
    .list()
    .filter((e) => e.service === 'autodiscover');
const redirect = (rule: object | null) =>
  sandbox.control('PUT', '/exchange/autodiscover', { redirect: rule });

beforeAll(async () => {
  sandbox = await startTestSandbox();
  exchangeServer = new URL(sandbox.urls.exchangeServer).host;
});
beforeEach(() => ewsTraffic(sandbox.context).clear());
afterEach(() => redirect(null));
afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox.close();
});

test('admin@fabrikam.com → the EWS URL from the EXPR settings', async () => {
  const url = await client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS);
  expect(url).toBe(`${sandbox.urls.exchangeServer}/EWS/Exchange.asmx`);
  const [request] = autodiscoverRequests();
  expect(request?.requestBody).toContain('<EMailAddress>admin@fabrikam.com</EMailAddress>');
});

test('a wrong password → invalid_credentials', async () => {
  const error = await exchangeFailure(
    client().discoverEwsUrl('admin@fabrikam.com', { ...CREDENTIALS, password: 'wrong' }),
  );
  expect(error).toMatchObject({ kind: 'invalid_credentials', code: 'HTTP 401' });
});

test('an unknown address → autodiscover_failed after both candidates', async () => {
  const error = await exchangeFailure(client().discoverEwsUrl('nobody@fabrikam.com', CREDENTIALS));
  expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverFailed' });
  expect(autodiscoverRequests()).toHaveLength(2);
});

test('follows an HTTP 302 to autodiscover.fabrikam.com', async () => {
  await redirect({
    kind: 'http',
    target: 'https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml',
    count: 1,
  });
  await expect(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toBe(
    `${sandbox.urls.exchangeServer}/EWS/Exchange.asmx`,
  );
});

test('follows a POX redirectUrl, then a redirectAddr to another address of the domain', async () => {
  await redirect({
    kind: 'url',
    target: 'https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml',
    count: 1,
  });
  await expect(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toContain(
    '/EWS/Exchange.asmx',
  );
  await redirect({ kind: 'addr', target: 'lee@fabrikam.com', address: 'admin@fabrikam.com' });
  await expect(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toContain(
    '/EWS/Exchange.asmx',
  );
  expect(autodiscoverRequests().at(-1)?.requestBody).toContain(
    '<EMailAddress>lee@fabrikam.com</EMailAddress>',
  );
});

test('a redirect loop is detected', async () => {
  await redirect({ kind: 'url', target: 'https://fabrikam.com/autodiscover/autodiscover.xml' });
  const error = await exchangeFailure(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
  expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverRedirectLoop' });
});

test('a redirect to another domain is refused before any credentials go there', async () => {
  await redirect({ kind: 'url', target: 'https://autodiscover.contoso.com/autodiscover/autodiscover.xml' });
  const error = await exchangeFailure(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
  expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverRedirectOutsideDomain' });
  expect(autodiscoverRequests()).toHaveLength(1);
  await redirect({ kind: 'addr', target: 'admin@contoso.com' });
  const addr = await exchangeFailure(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
  expect(addr).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverRedirectOutsideDomain' });
});

test('without the dangerous switch, loopback candidates are refused and nothing is sent', async () => {
  const error = await exchangeFailure(
    client({ dangerouslyAllowPrivateHosts: false }).discoverEwsUrl('admin@fabrikam.com', CREDENTIALS),
  );
  expect(error).toMatchObject({ kind: 'autodiscover_failed' });
  expect(error.message).toContain('EndpointPrivateAddress');
  expect(autodiscoverRequests()).toHaveLength(0);
});

describe('a hostile redirector', () => {
  let server: https.Server;
  let redirector: string;
  const seenAuthorization: string[] = [];

  beforeAll(async () => {
    server = https.createServer(
      { cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem },
      (req, res) => {
        seenAuthorization.push(req.headers.authorization ?? '');
        const hop = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
        const location = req.url?.startsWith('/insecure')
          ? 'http://autodiscover.fabrikam.com/autodiscover/autodiscover.xml'
          : `https://fabrikam.com/hop/${hop + 1}`;
        res.writeHead(302, { location }).end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    redirector = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const hostile = () =>
    client({
      dangerouslyResolveHosts: { 'fabrikam.com': redirector, 'autodiscover.fabrikam.com': redirector },
    });

  test('an endless chain of new URLs stops after 10 redirects', async () => {
    const error = await exchangeFailure(hostile().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
    expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverTooManyRedirects' });
    expect(seenAuthorization.length).toBe(11);
  });

  test('a redirect to http is refused', async () => {
    // The redirector answers /insecure… with an http Location; reach it through a POX redirectUrl.
    await redirect({ kind: 'url', target: 'https://autodiscover.fabrikam.com/insecure' });
    const viaSandbox = new PoxAutodiscoverClient({
      appId: sandbox.context.seed.app.clientId,
      caPem: sandbox.certs.caCertPem,
      dangerouslyAllowPrivateHosts: true,
      dangerouslyResolveHosts: { 'fabrikam.com': exchangeServer, 'autodiscover.fabrikam.com': redirector },
    });
    clients.push(viaSandbox);
    const error = await exchangeFailure(viaSandbox.discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
    expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverRedirectNotHttps' });
  });
});
