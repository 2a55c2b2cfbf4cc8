/** One HTTPS listener per sandbox service, so each has its own origin as Microsoft's do. */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

const IDLE_CONNECTION_MS = 120_000;

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
}

export interface Listener {
  readonly url: string;
  readonly port: number;
  /** Attaches the request handler once every service's URL is known. */
  handle(listener: RequestListener): void;
  close(): Promise<void>;
}

export async function listenHttps(tls: TlsMaterial, port: number, host = '127.0.0.1'): Promise<Listener> {
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => handler(req, res));
  // Microsoft's front ends keep an idle connection for minutes (IIS, in front of Exchange Server:
  // 120 s; Azure's load balancers: 4 minutes), not Node's 5 s. With 5 s, clients that keep sockets
  // without an idle timeout of their own (the Azure SDK pipeline botbuilder sends through) met
  // resets here that they would not meet against Microsoft.
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `https://${host}:${actual}`,
    port: actual,
    handle(listener) {
      handler = listener;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
