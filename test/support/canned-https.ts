/**
 * Small local HTTPS servers on ephemeral ports for transport tests: one answering each request
 * path with a canned HTTP answer, one that accepts TLS but never answers, and a port nobody
 * listens on. Real sockets and real TLS, so the SDK above sees what it would see in production.
 */
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface TlsIdentity {
  certPem: string;
  keyPem: string;
}

export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

export interface CannedServer extends LocalServer {
  /** Registers `answer` under a path of its own and returns the URL that gets it. */
  urlFor(answer: CannedAnswer, host?: string): string;
}

async function listen(server: https.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: https.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function startCannedServer(tls: TlsIdentity): Promise<CannedServer> {
  const answers = new Map<string, CannedAnswer>();
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const answer = answers.get(req.url ?? '');
    // Read the whole request first, as a real server does, then answer.
    req.resume();
    req.on('end', () => {
      if (!answer) return res.writeHead(404).end();
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  const port = await listen(server);
  return {
    port,
    urlFor(answer, host = 'localhost') {
      const path = `/answer-${answers.size + 1}/EWS/Exchange.asmx`;
      answers.set(path, answer);
      return `https://${host}:${port}${path}`;
    },
    close: closer(server),
  };
}

/** Completes the TLS handshake, reads the request, and never answers it. */
export async function startSilentServer(tls: TlsIdentity): Promise<LocalServer> {
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req) => req.resume());
  return { port: await listen(server), close: closer(server) };
}

/** A loopback port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FlakyKeepAliveServer extends LocalServer {
  url(path?: string): string;
  /** Every request seen: its position on its socket (1 = the socket's first), and whether it was reset. */
  requests: Array<{ onSocket: number; reset: boolean; method: string }>;
}

/**
 * Answers every request with `answer` and keeps connections alive, except that the first request
 * matching `resetWhen` (by its position on its socket) gets its TCP connection reset instead, as a
 * load balancer that dropped an idle keep-alive connection does.
 */
export async function startFlakyKeepAliveServer(
  tls: TlsIdentity,
  answer: CannedAnswer,
  resetWhen: (positionOnSocket: number) => boolean,
): Promise<FlakyKeepAliveServer> {
  const raw = new Map<number, net.Socket>();
  const positions = new WeakMap<object, number>();
  const requests: FlakyKeepAliveServer['requests'] = [];
  let resetDone = false;
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAlive: true }, (req, res) => {
    const position = (positions.get(req.socket) ?? 0) + 1;
    positions.set(req.socket, position);
    req.resume();
    req.on('end', () => {
      const reset = !resetDone && resetWhen(position);
      requests.push({ onSocket: position, reset, method: req.method ?? '' });
      if (reset) {
        resetDone = true;
        // The TCP connection under the TLS session, found by the client's port: an RST, not a FIN.
        raw.get(req.socket.remotePort ?? -1)?.resetAndDestroy();
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  server.on('connection', (socket: net.Socket) => {
    if (socket.remotePort !== undefined) raw.set(socket.remotePort, socket);
  });
  const port = await listen(server);
  return {
    port,
    requests,
    url: (path = '/EWS/Exchange.asmx') => `https://localhost:${port}${path}`,
    close: closer(server),
  };
}
