/**
 * Where credentials may go: only https, and only to public addresses. Loopback, link-local,
 * private, shared (CGNAT) and unspecified addresses are refused after DNS resolution, unless the
 * `dangerously…` development switch allows them (the sandbox runs on 127.0.0.1).
 */
import { lookup as dnsLookup, promises as dns, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ExchangeConnectError } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';

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

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // unspecified / "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fe80::', 10],
  ['fc00::', 7],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** `::ffff:a.b.c.d` and `::ffff:7f00:1` carry an IPv4 address: judge that one. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,4}:?:ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,4}:?:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return !NON_PUBLIC.check(v4, 'ipv4');
    return !NON_PUBLIC.check(bare, 'ipv6');
  }
  return !NON_PUBLIC.check(bare, 'ipv4');
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
 */
export function guardedLookup(dangerouslyAllowPrivateHosts: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
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
    });
  };
}
