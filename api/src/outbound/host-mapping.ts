/**
 * Development only (`EC_DANGEROUSLY_RESOLVE_HOSTS`): host names answered from a fixed table instead
 * of DNS, so the sandbox can stand in for fabrikam.com without touching the machine's resolver.
 * Only the address is replaced: TLS still validates the real host name, and the connect-time
 * private-address guard still judges the mapped address.
 */
import { isIP } from 'node:net';
import type { HostResolver } from './endpoint-policy';

export interface HostMapping {
  address: string;
  /** Used where the URL has no port of its own to offer (Autodiscover's standard candidates). */
  port: number;
}

export type HostMap = ReadonlyMap<string, HostMapping>;

/** `'127.0.0.1:44303'` → address and port. */
export function parseHostMapping(target: string): HostMapping {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  if (!match?.[1] || !match[2] || !isIP(match[1]))
    throw new Error(`Host mapping "${target}" must be "<ip>:<port>".`);
  return { address: match[1], port: Number(match[2]) };
}

/** `{ 'mail.fabrikam.com': '127.0.0.1:44303' }` → a lookup table keyed by lower-case host name. */
export function hostMapFrom(record: Record<string, string> = {}): HostMap {
  return new Map(
    Object.entries(record).map(([host, target]) => [host.toLowerCase(), parseHostMapping(target)]),
  );
}

export function mappedAddress(map: HostMap, hostname: string): string | undefined {
  return map.get(hostname.toLowerCase())?.address;
}

/** Answers mapped names from the table and everything else from `fallback`. */
export function mappedResolver(map: HostMap, fallback: HostResolver): HostResolver {
  return async (hostname) => {
    const address = mappedAddress(map, hostname);
    return address ? [{ address, family: isIP(address) }] : fallback(hostname);
  };
}
