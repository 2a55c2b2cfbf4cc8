/**
 * POX Autodiscover for admin@fabrikam.com against the sandbox's Exchange Server, with fabrikam.com,
 * autodiscover.fabrikam.com and mail.fabrikam.com mapped to the sandbox (TLS still checks those
 * names). Redirects are driven with `/_sandbox/exchange/autodiscover`; what the sandbox refuses to
 * send (an http redirect, an endless chain, an EwsUrl in another domain) comes from small hostile
 * servers on the same certificate.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ewsTraffic } from '../../sandbox/src/ews/recorder';
import { PoxAutodiscoverClient } from '../../api/src/exchange/autodiscover';
import { EwsGateway } from '../../api/src/exchange/ews-gateway';
import { exchangeFailure } from '../support/rejections';
import { testPolicy, type TestPolicyOptions } from '../support/outbound';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

const CREDENTIALS = { username: 'svc-ews@fabrikam.com', password: 'Sandbox-Only-Pa55!' };
let sandbox: TestSandbox;
let exchangeServer: string; // 127.0.0.1:port
let fabrikamEwsUrl: string; // what a real Exchange Server publishes: https://mail.fabrikam.com:port/EWS/…
const clients: { close(): void }[] = [];

function client(options: TestPolicyOptions = {}): PoxAutodiscoverClient {
  const c = new PoxAutodiscoverClient({
    appId: sandbox.context.seed.app.clientId,
    policy: testPolicy({
      caPem: sandbox.certs.caCertPem,
      dangerouslyAllowPrivateHosts: true,
      dangerouslyResolveHosts: {
        'fabrikam.com': exchangeServer,
        'autodiscover.fabrikam.com': exchangeServer,
        'autodiscover.contoso.com': exchangeServer,
      },
      ...options,
    }),
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
  fabrikamEwsUrl = `https://mail.fabrikam.com:${new URL(sandbox.urls.exchangeServer).port}/EWS/Exchange.asmx`;
});
beforeEach(() => ewsTraffic(sandbox.context).clear());
afterEach(() => redirect(null));
afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox.close();
});

test('admin@fabrikam.com → the EWS URL from the EXPR settings, and the gateway opens the mailbox there', async () => {
  const url = await client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS);
  expect(url).toBe(fabrikamEwsUrl);
  const [request] = autodiscoverRequests();
  expect(request?.requestBody).toContain('<EMailAddress>admin@fabrikam.com</EMailAddress>');

  // mail.fabrikam.com maps to the sandbox's address only; the port is the URL's.
  const gateway = new EwsGateway({
    appId: sandbox.context.seed.app.clientId,
    policy: testPolicy({
      caPem: sandbox.certs.caCertPem,
      dangerouslyAllowPrivateHosts: true,
      dangerouslyResolveHosts: { 'mail.fabrikam.com': '127.0.0.1:1' },
    }),
  });
  clients.push(gateway);
  const connection = {
    method: 'basic' as const,
    tenantId: sandbox.context.seed.tenants.find((t) => t.exchange.kind === 'server')!.id,
    ewsUrl: url,
    ...CREDENTIALS,
  };
  await expect(gateway.openCalendar(connection, 'admin@fabrikam.com')).resolves.toMatchObject({
    displayName: 'Calendar',
  });
  expect(ewsTraffic(sandbox.context).list().at(-1)).toMatchObject({ operation: 'GetFolder', status: 200 });
});

test('the gateway keeps the private-address guard for a mapped name', async () => {
  const gateway = new EwsGateway({
    appId: sandbox.context.seed.app.clientId,
    policy: testPolicy({
      caPem: sandbox.certs.caCertPem,
      dangerouslyAllowPrivateHosts: false,
      dangerouslyResolveHosts: { 'mail.fabrikam.com': exchangeServer },
    }),
  });
  clients.push(gateway);
  const tenantId = sandbox.context.seed.tenants.find((t) => t.exchange.kind === 'server')!.id;
  const error = await exchangeFailure(
    gateway.openCalendar(
      { method: 'basic', tenantId, ewsUrl: fabrikamEwsUrl, ...CREDENTIALS },
      'admin@fabrikam.com',
    ),
  );
  expect(error).toMatchObject({ kind: 'endpoint_not_allowed', code: 'EndpointPrivateAddress' });
  expect(ewsTraffic(sandbox.context).list()).toHaveLength(0);
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
  await expect(client().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toBe(fabrikamEwsUrl);
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
    // It never asked for credentials, so it never got them.
    expect(seenAuthorization.every((authorization) => authorization === '')).toBe(true);
  });

  test('a redirect to http is refused', async () => {
    // The redirector answers /insecure… with an http Location; reach it through a POX redirectUrl.
    await redirect({ kind: 'url', target: 'https://autodiscover.fabrikam.com/insecure' });
    const viaSandbox = new PoxAutodiscoverClient({
      appId: sandbox.context.seed.app.clientId,
      policy: testPolicy({
        caPem: sandbox.certs.caCertPem,
        dangerouslyAllowPrivateHosts: true,
        dangerouslyResolveHosts: { 'fabrikam.com': exchangeServer, 'autodiscover.fabrikam.com': redirector },
      }),
    });
    clients.push(viaSandbox);
    const error = await exchangeFailure(viaSandbox.discoverEwsUrl('admin@fabrikam.com', CREDENTIALS));
    expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverRedirectNotHttps' });
  });
});

describe('credentials only after a Basic challenge', () => {
  let server: https.Server;
  let candidate: string;
  /** What the candidate answers an anonymous request; with credentials it always answers settings. */
  let anonymous: { status: number; headers?: Record<string, string> };
  const seenAuthorization: string[] = [];
  const ownSettings = () =>
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">' +
    '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">' +
    '<Account><AccountType>email</AccountType><Action>settings</Action>' +
    '<Protocol><Type>EXPR</Type><EwsUrl>https://ews.fabrikam.com/EWS/Exchange.asmx</EwsUrl></Protocol>' +
    '</Account></Response></Autodiscover>';

  beforeAll(async () => {
    server = https.createServer(
      { cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem },
      (req, res) => {
        const authorization = req.headers.authorization ?? '';
        seenAuthorization.push(authorization);
        req.resume();
        req.on('end', () => {
          if (authorization) res.writeHead(200, { 'content-type': 'text/xml' }).end(ownSettings());
          else res.writeHead(anonymous.status, anonymous.headers ?? {}).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    candidate = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seenAuthorization.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // fabrikam.com is the recording candidate; autodiscover.fabrikam.com stays the sandbox.
  const viaCandidate = () =>
    client({
      dangerouslyResolveHosts: { 'fabrikam.com': candidate, 'autodiscover.fabrikam.com': exchangeServer },
    });

  test.each([
    ['answers 404', { status: 404 }],
    ['asks for Negotiate only', { status: 401, headers: { 'www-authenticate': 'Negotiate' } }],
    ['answers 200 without asking for credentials', { status: 200 }],
  ])(
    'a candidate that %s never receives the credentials; the next candidate is asked',
    async (_case, answer) => {
      anonymous = answer;
      await expect(viaCandidate().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toBe(
        fabrikamEwsUrl,
      );
      expect(seenAuthorization).toEqual(['']);
    },
  );

  test('a candidate that challenges with Basic gets them on the second request, and answers', async () => {
    anonymous = {
      status: 401,
      headers: { 'www-authenticate': 'Negotiate, NTLM, Basic realm="fabrikam.com"' },
    };
    await expect(viaCandidate().discoverEwsUrl('admin@fabrikam.com', CREDENTIALS)).resolves.toBe(
      'https://ews.fabrikam.com/EWS/Exchange.asmx',
    );
    const basic = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
    expect(seenAuthorization).toEqual(['', basic]);
  });

  test('the sandbox Exchange Server challenges an anonymous Autodiscover request as IIS does', async () => {
    const res = await fetch(`${sandbox.urls.exchangeServer}/autodiscover/autodiscover.xml`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<Autodiscover/>',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/(^|, )Basic realm="[^"]+"/);
  });
});

describe("settings whose EwsUrl is outside the admin's domain", () => {
  let autodiscover: https.Server;
  let autodiscoverHost: string;
  let ewsUrlAnswered = '';
  let elsewhere: https.Server;
  let elsewhereHost: string;
  const elsewhereRequests: string[] = [];

  const settings = (ewsUrl: string) =>
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">' +
    '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">' +
    '<Account><AccountType>email</AccountType><Action>settings</Action>' +
    `<Protocol><Type>EXPR</Type><EwsUrl>${ewsUrl}</EwsUrl></Protocol>` +
    '</Account></Response></Autodiscover>';

  beforeAll(async () => {
    const tls = { cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem };
    // An EWS endpoint in another organisation, on a certificate valid for its name: credentials would arrive.
    elsewhere = https.createServer(tls, (req, res) => {
      elsewhereRequests.push(req.headers.authorization ?? '');
      res.writeHead(401).end();
    });
    autodiscover = https.createServer(tls, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(settings(ewsUrlAnswered)));
    });
    for (const server of [elsewhere, autodiscover]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    elsewhereHost = `127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    autodiscoverHost = `127.0.0.1:${(autodiscover.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const server of [elsewhere, autodiscover]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  const hosts = () => ({
    'fabrikam.com': autodiscoverHost,
    'autodiscover.fabrikam.com': autodiscoverHost,
    'mail.contoso.com': elsewhereHost,
    'fabrikam.com.contoso.com': elsewhereHost,
    'notfabrikam.com': elsewhereHost,
  });

  test('refused with AutodiscoverEwsUrlOutsideDomain; the credentials never reach that host', async () => {
    const port = Number(elsewhereHost.split(':')[1]);
    ewsUrlAnswered = `https://mail.contoso.com:${port}/EWS/Exchange.asmx`;
    const gateway = new EwsGateway({
      appId: sandbox.context.seed.app.clientId,
      policy: testPolicy({
        caPem: sandbox.certs.caCertPem,
        dangerouslyAllowPrivateHosts: true,
        dangerouslyResolveHosts: hosts(),
      }),
    });
    clients.push(gateway);
    // What connectBasic does: discover, then send the credentials to the EWS URL found.
    const connect = async () => {
      const ewsUrl = await client({ dangerouslyResolveHosts: hosts() }).discoverEwsUrl(
        'admin@fabrikam.com',
        CREDENTIALS,
      );
      const tenantId = sandbox.context.seed.tenants.find((t) => t.exchange.kind === 'server')!.id;
      return gateway.openCalendar(
        { method: 'basic', tenantId, ewsUrl, ...CREDENTIALS },
        'admin@fabrikam.com',
      );
    };
    const error = await exchangeFailure(connect());
    expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverEwsUrlOutsideDomain' });
    expect(error.message).toContain(ewsUrlAnswered);
    expect(error.message).toContain('credentials were not sent there');
    expect(error.remediation).toContain('Enter the EWS URL directly');
    expect(elsewhereRequests).toEqual([]);
  });

  test.each([
    'https://fabrikam.com.contoso.com/EWS/Exchange.asmx',
    'https://notfabrikam.com/EWS/Exchange.asmx',
  ])('a look-alike host (%s) is outside the domain too', async (ewsUrl) => {
    ewsUrlAnswered = ewsUrl;
    const error = await exchangeFailure(
      client({ dangerouslyResolveHosts: hosts() }).discoverEwsUrl('admin@fabrikam.com', CREDENTIALS),
    );
    expect(error).toMatchObject({ kind: 'autodiscover_failed', code: 'AutodiscoverEwsUrlOutsideDomain' });
  });

  test("a subdomain of the admin's domain is accepted", async () => {
    ewsUrlAnswered = 'https://ews.eu.fabrikam.com/EWS/Exchange.asmx';
    await expect(
      client({ dangerouslyResolveHosts: hosts() }).discoverEwsUrl('admin@fabrikam.com', CREDENTIALS),
    ).resolves.toBe(ewsUrlAnswered);
  });
});
