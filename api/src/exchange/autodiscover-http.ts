/**
 * The one HTTPS POST Autodiscover needs, with no redirect following (the client decides on every
 * hop). `lookup` and `port` may point the socket elsewhere (the development host map) while SNI,
 * certificate validation and the Host header keep the real host name.
 */
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';

export interface HttpAnswer {
  status: number;
  location?: string;
  body: string;
}

const MAX_BODY_BYTES = 1_000_000;

export function postXml(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { agent: https.Agent; timeoutMs: number; lookup: LookupFunction; port?: number },
): Promise<HttpAnswer> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        method: 'POST',
        hostname,
        port: options.port ?? (url.port ? Number(url.port) : 443),
        path: `${url.pathname}${url.search}`,
        agent: options.agent,
        ...(isIP(hostname) ? {} : { servername: hostname }),
        lookup: options.lookup,
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
