/**
 * Every outbound call is bounded by size and by wall-clock time, whatever the server does. A
 * customer's Global Admin chooses the EWS URL, so the server at the other end may be hostile: one
 * that answers an endless body, or one that dribbles a byte at a time so an idle timeout never
 * fires. Real sockets against a local HTTPS server; the assertions count what the server managed
 * to send before the app hung up, never wall-clock time.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { EwsGateway, type EwsConnection } from '../../api/src/exchange/ews-gateway';
import { ensureDevCertificates, type DevCertificates } from '../../scripts/dev-certs';
import type { RequestLimits } from '../../api/src/outbound/bounded-request';
import { exchangeFailure } from '../support/rejections';
import { testPolicy, type TestPolicyOptions } from '../support/outbound';

const KiB = 1024;
const MiB = 1024 * KiB;

interface HostileServer {
  url: string;
  /** Bytes of body the server had written when the client hung up (or it finished). */
  sent(): Promise<number>;
  close(): Promise<void>;
}

let certs: DevCertificates;
const servers: HostileServer[] = [];
const gateways: EwsGateway[] = [];

beforeAll(async () => {
  certs = await ensureDevCertificates();
});
afterAll(async () => {
  for (const gw of gateways) gw.close();
  for (const s of servers) await s.close();
});

/** Answers 200 text/xml and then writes `chunk` every `everyMs` until `total` bytes or the client leaves. */
async function hostileServer(options: {
  chunk: Buffer;
  everyMs: number;
  total: number;
  declareLength?: boolean;
}) {
  let finished: (bytes: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const server = https.createServer({ cert: certs.tlsCertPem, key: certs.tlsKeyPem }, (req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'text/xml; charset=utf-8',
      ...(options.declareLength ? { 'content-length': String(options.total) } : {}),
    });
    let sent = 0;
    const stop = () => {
      clearInterval(timer);
      finished(sent);
    };
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) return stop();
      if (sent >= options.total) {
        res.end();
        return stop();
      }
      res.write(options.chunk);
      sent += options.chunk.length;
    }, options.everyMs);
    res.on('close', stop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hostile: HostileServer = {
    url: `https://localhost:${port}/EWS/Exchange.asmx`,
    sent: () => done,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(hostile);
  return hostile;
}

function gateway(limits: TestPolicyOptions['limits']): EwsGateway {
  const gw = new EwsGateway({
    appId: '00000000-0000-0000-0000-000000000001',
    policy: testPolicy({ caPem: certs.caCertPem, dangerouslyAllowPrivateHosts: true, limits }),
  });
  gateways.push(gw);
  return gw;
}

/** What opening the admin's calendar on `server` over Basic fails with, under these EWS limits. */
function calendarFailure(server: HostileServer, ews: RequestLimits) {
  return exchangeFailure(gateway({ ews }).openCalendar(basicConnection(server.url), 'admin@fabrikam.com'));
}

function basicConnection(ewsUrl: string): Extract<EwsConnection, { method: 'basic' }> {
  return {
    method: 'basic',
    tenantId: 'tenant-hostile',
    ewsUrl,
    username: 'svc-ews@fabrikam.com',
    password: 'Sandbox-Only-Pa55!',
  };
}

test('an endless EWS body is cut at the size cap: the app stops reading instead of buffering it', async () => {
  const server = await hostileServer({ chunk: Buffer.alloc(64 * KiB, 'x'), everyMs: 1, total: 64 * MiB });
  const error = await calendarFailure(server, { maxResponseBytes: 1 * MiB, deadlineMs: 60_000 });
  expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  // The client hung up near the cap; an unbounded client would have taken all 64 MiB.
  expect(await server.sent()).toBeLessThan(8 * MiB);
});

test('a body whose Content-Length is over the cap is refused before it is read', async () => {
  const server = await hostileServer({
    chunk: Buffer.alloc(64 * KiB, 'x'),
    everyMs: 5,
    total: 300 * MiB,
    declareLength: true,
  });
  const error = await calendarFailure(server, { maxResponseBytes: 1 * MiB, deadlineMs: 60_000 });
  expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  expect(await server.sent()).toBeLessThan(1 * MiB);
});

test('a server that dribbles one byte at a time is cut at the wall-clock deadline, not after its last byte', async () => {
  // One byte every 20 ms for 400 bytes is 8 s of traffic that never goes idle; the deadline is 0.5 s.
  const server = await hostileServer({ chunk: Buffer.from('<'), everyMs: 20, total: 400 });
  const error = await calendarFailure(server, { maxResponseBytes: 1 * MiB, deadlineMs: 500 });
  expect(error).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
  // An idle timeout would have waited for all 400 bytes; the deadline hung up long before.
  expect(await server.sent()).toBeLessThan(200);
});
