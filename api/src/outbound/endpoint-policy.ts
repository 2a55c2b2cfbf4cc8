/**
 * Where credentials may go: only https, and only to public addresses (ipaddr.js decides what is
 * public). Loopback, link-local, private, shared (CGNAT), multicast, reserved and unspecified
 * addresses, and IPv6 addresses that carry one of those IPv4 addresses, are refused after DNS
 * resolution and again at connect time, unless the `dangerously…` development switch allows them
 * (the sandbox runs on 127.0.0.1).
 */
import { lookup as dnsLookup, promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
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

/** IPv6 ranges that carry an IPv4 address and deliver to it: judged by that IPv4 address. */
const EMBEDDING_V4: ReadonlySet<string> = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4']);
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** The IPv4 address an IPv6 address carries and is delivered to, if it carries one. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  const range = address.range();
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  if (EMBEDDING_V4.has(range) || (range === 'unicast' && address.match(IPV4_COMPATIBLE))) {
    return new ipaddr.IPv4(bytes.slice(12, 16));
  }
  return undefined;
}

/**
 * Public means ipaddr.js's `unicast`: not loopback, private, link-local, CGNAT, multicast,
 * reserved, unspecified, broadcast, site-local, Teredo, … An IPv6 address carrying an IPv4 one
 * (mapped, NAT64, 6to4, IPv4-compatible) is as public as that IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6') {
    const v4 = embeddedIpv4(parsed as ipaddr.IPv6);
    if (v4) return v4.range() === 'unicast';
  }
  return parsed.range() === 'unicast';
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
