/** Where credentials may go: https only, and public addresses only unless the dangerous switch is on. */
import type { LookupAddress } from 'node:dns';
import {
  assertSafeEwsUrl,
  guardedLookup,
  isPublicAddress,
  type HostResolver,
} from '../../api/src/outbound/endpoint-policy';
import { hostMapFrom, mappedResolver } from '../../api/src/outbound/host-mapping';

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
  '192.0.0.1', // IETF protocol assignments 192.0.0.0/24
  '192.0.0.255',
  '198.18.0.1', // benchmarking 198.18.0.0/15
  '198.19.255.255',
  '224.0.0.1', // multicast 224.0.0.0/4
  '239.255.255.250',
  '240.0.0.1', // reserved 240.0.0.0/4
  '255.255.255.255',
  'fec0::1', // site-local fec0::/10
  'feff:ffff::1',
  'ff02::1', // IPv6 multicast
  '::7f00:1', // IPv4-compatible ::/96 carrying 127.0.0.1
  '::127.0.0.1',
  '::a00:1',
  '64:ff9b::7f00:1', // NAT64 64:ff9b::/96
  '64:ff9b::10.0.0.1',
  '64:ff9b::c0a8:101',
  '2002:7f00:1::', // 6to4 2002::/16
  '2002:a9fe:a9fe::1',
  '2002:c612:1:ffff::1',
  '::ffff:e000:1', // IPv4-mapped multicast
])('%s is not public', (address) => {
  expect(isPublicAddress(address)).toBe(false);
});

test.each([
  '52.96.0.1',
  '40.99.4.130',
  '172.32.0.1',
  '100.128.0.1',
  '192.0.1.1',
  '198.17.255.255',
  '198.20.0.1',
  '223.255.255.255',
  '2603:1026::1',
  '::ffff:52.96.0.1',
  '64:ff9b::3460:1', // NAT64 of 52.96.0.1
  '2002:3460:1::1', // 6to4 of 52.96.0.1
])('%s is public', (address) => {
  expect(isPublicAddress(address)).toBe(true);
});

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

describe('the development host map', () => {
  const map = hostMapFrom({ 'Mail.Fabrikam.com': '127.0.0.1:44303' });

  const lookup = (allowPrivate: boolean, hostname: string, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((resolve) => {
      guardedLookup(allowPrivate, map)(hostname, { all }, (error, address) => resolve({ error, address }));
    });

  test('the endpoint policy resolves a mapped name to its address, others through the fallback', async () => {
    const resolve = mappedResolver(map, resolver({ 'mail.contoso.com': ['52.96.0.1'] }));
    await expect(resolve('mail.fabrikam.com')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(resolve('mail.contoso.com')).resolves.toEqual([{ address: '52.96.0.1', family: 4 }]);
    await expect(
      assertSafeEwsUrl('https://mail.fabrikam.com:44303/EWS/Exchange.asmx', {
        dangerouslyAllowPrivateHosts: false,
        resolve,
      }),
    ).rejects.toMatchObject({ code: 'EndpointPrivateAddress' });
  });

  test('the connect-time lookup answers a mapped name from the map and still guards it', async () => {
    await expect(lookup(true, 'MAIL.fabrikam.com', false)).resolves.toEqual({
      error: null,
      address: '127.0.0.1',
    });
    await expect(lookup(true, 'mail.fabrikam.com', true)).resolves.toEqual({
      error: null,
      address: [{ address: '127.0.0.1', family: 4 }],
    });
    const refused = await lookup(false, 'mail.fabrikam.com', false);
    expect(refused.error).toMatchObject({ code: 'EndpointPrivateAddress' });
  });

  test('a mapping that is not <ip>:<port> is refused', () => {
    expect(() => hostMapFrom({ 'mail.fabrikam.com': 'sandbox:44303' })).toThrow(/<ip>:<port>/);
  });
});
