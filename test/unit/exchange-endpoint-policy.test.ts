/** Where credentials may go: https only, and public addresses only unless the dangerous switch is on. */
import { assertSafeEwsUrl, isPublicAddress, type HostResolver } from '../../api/src/exchange/endpoint-policy';

const resolver =
  (answers: Record<string, string[]>): HostResolver =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const strict = (answers: Record<string, string[]>) => ({
  dangerouslyAllowPrivateHosts: false,
  resolve: resolver(answers),
});

test.each([
  '127.0.0.1',
  '127.8.9.10',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '100.127.255.255',
  '0.0.0.0',
  '::',
  '::1',
  'fe80::1',
  'fc00::1',
  'fd12:3456::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:a9fe:a9fe',
])('%s is not public', (address) => {
  expect(isPublicAddress(address)).toBe(false);
});

test.each(['52.96.0.1', '40.99.4.130', '172.32.0.1', '100.128.0.1', '2603:1026::1', '::ffff:52.96.0.1'])(
  '%s is public',
  (address) => {
    expect(isPublicAddress(address)).toBe(true);
  },
);

test('a public https endpoint passes', async () => {
  const url = await assertSafeEwsUrl(
    'https://mail.fabrikam.com/EWS/Exchange.asmx',
    strict({ 'mail.fabrikam.com': ['52.96.0.1'] }),
  );
  expect(url.hostname).toBe('mail.fabrikam.com');
});

test('http is refused before any lookup', async () => {
  const lookups: string[] = [];
  const options = {
    dangerouslyAllowPrivateHosts: true,
    resolve: async (h: string) => {
      lookups.push(h);
      return [];
    },
  };
  await expect(assertSafeEwsUrl('http://mail.fabrikam.com/EWS/Exchange.asmx', options)).rejects.toMatchObject(
    {
      kind: 'endpoint_not_allowed',
      code: 'EndpointNotHttps',
    },
  );
  expect(lookups).toEqual([]);
});

test('a name with any private address among its answers is refused (DNS answers with a mix)', async () => {
  await expect(
    assertSafeEwsUrl(
      'https://mail.fabrikam.com/EWS/Exchange.asmx',
      strict({ 'mail.fabrikam.com': ['52.96.0.1', '10.0.0.5'] }),
    ),
  ).rejects.toMatchObject({ kind: 'endpoint_not_allowed', code: 'EndpointPrivateAddress' });
});

test('IP literals are judged without DNS, IPv6 included', async () => {
  await expect(
    assertSafeEwsUrl('https://127.0.0.1:44302/EWS/Exchange.asmx', strict({})),
  ).rejects.toMatchObject({
    code: 'EndpointPrivateAddress',
  });
  await expect(
    assertSafeEwsUrl('https://[::ffff:127.0.0.1]/EWS/Exchange.asmx', strict({})),
  ).rejects.toMatchObject({
    code: 'EndpointPrivateAddress',
  });
  await expect(assertSafeEwsUrl('https://[fe80::1]/EWS/Exchange.asmx', strict({}))).rejects.toMatchObject({
    code: 'EndpointPrivateAddress',
  });
});

test('the dangerous switch lets loopback through, but never http', async () => {
  const allow = { dangerouslyAllowPrivateHosts: true, resolve: resolver({}) };
  await expect(assertSafeEwsUrl('https://127.0.0.1:44302/EWS/Exchange.asmx', allow)).resolves.toBeInstanceOf(
    URL,
  );
  await expect(assertSafeEwsUrl('http://127.0.0.1:44302/EWS/Exchange.asmx', allow)).rejects.toMatchObject({
    code: 'EndpointNotHttps',
  });
});

test('an unknown host is unreachable (ENOTFOUND); a malformed URL or one with credentials is refused', async () => {
  await expect(
    assertSafeEwsUrl('https://nowhere.fabrikam.com/EWS/Exchange.asmx', strict({})),
  ).rejects.toMatchObject({
    kind: 'unreachable',
    code: 'ENOTFOUND',
  });
  await expect(assertSafeEwsUrl('not a url', strict({}))).rejects.toMatchObject({
    code: 'EndpointInvalidUrl',
  });
  await expect(
    assertSafeEwsUrl(
      'https://svc:pw@mail.fabrikam.com/EWS/Exchange.asmx',
      strict({ 'mail.fabrikam.com': ['52.96.0.1'] }),
    ),
  ).rejects.toMatchObject({ code: 'EndpointInvalidUrl' });
});
