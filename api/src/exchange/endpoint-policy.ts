/**
 * Where credentials may go: only https, and only to public addresses. Loopback, link-local,
 * private, shared (CGNAT), multicast, reserved and unspecified addresses, and IPv6 addresses that
 * carry one of those IPv4 addresses, are refused after DNS resolution, unless the `dangerously…`
 * development switch allows them (the sandbox runs on 127.0.0.1).
 */
import { lookup as dnsLookup, promises as dns, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ExchangeConnectError } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import { mappedAddress, type HostMap } from './host-mapping';

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface EndpointPolicyOptions {
  dangerouslyAllowPrivateHosts: boolean;
  resolve?: HostResolver;
  remediation?: RemediationContext;
}

const NON_PUBLIC_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // unspecified / "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast 255.255.255.255
] as const) {
  NON_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}
const NON_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside sites)
  ['fc00::', 7], // unique local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of a valid IPv6 address (`isIP` already said it is one). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const hextets = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return hextets.flatMap((h) => [h >> 8, h & 255]);
}

/**
 * The IPv4 address an IPv6 address carries and is delivered to: IPv4-compatible (::/96),
 * IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  if (zeros(0, 12)) return v4(12);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return undefined;
}

export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return !NON_PUBLIC_V4.check(v4, 'ipv4');
    return !NON_PUBLIC_V6.check(bare, 'ipv6');
  }
  return !NON_PUBLIC_V4.check(bare, 'ipv4');
}

function refuse(code: string, message: string, options: EndpointPolicyOptions): ExchangeConnectError {
  const ctx = options.remediation ?? { appId: '' };
  return new ExchangeConnectError({
    kind: 'endpoint_not_allowed',
    code,
    message,
    remediation: remediationFor('endpoint_not_allowed', ctx),
  });
}

/** Resolves the URL's host and returns the URL when credentials may be sent to it; throws otherwise. */
export async function assertSafeEwsUrl(url: string, options: EndpointPolicyOptions): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('EndpointInvalidUrl', `"${url}" is not a valid URL.`, options);
  }
  if (parsed.protocol !== 'https:') {
    throw refuse(
      'EndpointNotHttps',
      `${parsed.origin} is not https; credentials are only sent over https.`,
      options,
    );
  }
  if (parsed.username || parsed.password) {
    throw refuse('EndpointInvalidUrl', 'The URL must not contain a user name or password.', options);
  }
  if (options.dangerouslyAllowPrivateHosts) return parsed;

  const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(hostname);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ExchangeConnectError(
        {
          kind: 'unreachable',
          code: typeof code === 'string' ? code : 'ENOTFOUND',
          message: `The host name ${hostname} could not be resolved.`,
          remediation: remediationFor('unreachable', { appId: '', ...options.remediation, ewsUrl: url }),
        },
        { cause: error },
      );
    }
  }
  const blocked = addresses.find((a) => !isPublicAddress(a.address));
  if (addresses.length === 0 || blocked) {
    throw refuse(
      PRIVATE_ADDRESS_CODE,
      `${hostname} resolves to ${blocked?.address ?? 'no address'}, which is not a public address; credentials are not sent there.`,
      options,
    );
  }
  return parsed;
}

export const PRIVATE_ADDRESS_CODE = 'EndpointPrivateAddress';

/**
 * A `lookup` for https.Agent that re-checks every address at connect time, so a DNS answer that
 * changes after `assertSafeEwsUrl` (rebinding) cannot steer credentials to a private address.
 * Host names in the development `hostMap` are answered from it, and judged the same way.
 */
export function guardedLookup(
  dangerouslyAllowPrivateHosts: boolean,
  hostMap: HostMap = new Map(),
): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (error: NodeJS.ErrnoException | null, list: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const blocked = dangerouslyAllowPrivateHosts
        ? undefined
        : list.find((a) => !isPublicAddress(a.address));
      if (blocked || list.length === 0) {
        const refused = Object.assign(
          new Error(`${hostname} resolves to ${blocked?.address ?? 'no address'}, which is not public.`),
          {
            code: PRIVATE_ADDRESS_CODE,
          },
        );
        return callback(refused, '', 0);
      }
      if ((options as { all?: boolean }).all) {
        return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, list);
      }
      const first = list[0]!;
      return callback(null, first.address, first.family);
    };
    const mapped = mappedAddress(hostMap, hostname);
    if (mapped) return answer(null, [{ address: mapped, family: isIP(mapped) }]);
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) =>
      answer(error, addresses as LookupAddress[]),
    );
  };
}
