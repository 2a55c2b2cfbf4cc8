/**
 * The one HTTPS POST Autodiscover needs, with no redirect following (the client decides on every
 * hop) and an optional host map for development: the connection goes to the mapped address while
 * SNI, certificate validation and the Host header keep the real host name.
 */
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';

export interface HttpAnswer {
  status: number;
  location?: string;
  body: string;
}

export interface HostMapping {
  address: string;
  port: number;
}

const MAX_BODY_BYTES = 1_000_000;

/** `'127.0.0.1:44303'` → address and port. */
export function parseHostMapping(target: string): HostMapping {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  if (!match?.[1] || !match[2] || !isIP(match[1]))
    throw new Error(`Host mapping "${target}" must be "<ip>:<port>".`);
  return { address: match[1], port: Number(match[2]) };
}

function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (_hostname, options, callback) => {
    // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, all: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
}

export function postXml(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { agent: https.Agent; timeoutMs: number; mapping?: HostMapping; lookup?: LookupFunction },
): Promise<HttpAnswer> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        method: 'POST',
        hostname,
        port: options.mapping?.port ?? (url.port ? Number(url.port) : 443),
        path: `${url.pathname}${url.search}`,
        agent: options.agent,
        ...(isIP(hostname) ? {} : { servername: hostname }),
        ...(options.mapping
          ? { lookup: pinnedLookup(options.mapping.address) }
          : options.lookup
            ? { lookup: options.lookup }
            : {}),
        headers: {
          host: url.host,
          'content-type': 'text/xml; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) request.destroy(new Error('The Autodiscover response is too large.'));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const location = response.headers.location;
          resolve({
            status: response.statusCode ?? 0,
            ...(location ? { location } : {}),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(options.timeoutMs, () => {
      request.destroy(
        Object.assign(new Error(`No answer within ${options.timeoutMs} ms.`), { code: 'ETIMEDOUT' }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}
