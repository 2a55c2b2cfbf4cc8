/**
 * A keep-alive socket the other side has dropped fails the next request on it with ECONNRESET (or
 * EPIPE) before any answer. An idempotent read is then sent once more, on a fresh socket; a write,
 * or a reset on a socket that was fresh already, is the caller's failure as before. Real sockets:
 * a local HTTPS server resets the TCP connection under the TLS session.
 */
import https from 'node:https';
import { boundedRequest, type BoundedRequestOptions } from '../../api/src/outbound/bounded-request';
import { EwsGateway, ewsProtocol } from '../../api/src/exchange/ews-gateway';
import { HealthChecks } from '../../api/src/health/checks';
import type { Integration } from '../../api/src/store/types';
import { ensureDevCertificates, type DevCertificates } from '../../scripts/dev-certs';
import {
  operationResponse,
  responseEnvelope,
  responseMessageContent,
  SUCCESS,
} from '../../sandbox/src/ews/soap';
import { el, textEl } from '../../sandbox/src/ews/xml';
import { startFlakyKeepAliveServer, type FlakyKeepAliveServer } from '../support/canned-https';
import { testPolicy } from '../support/outbound';
import { APP_ID, FakeVault, ManualClock, ManualTimers } from '../unit/health-fakes';

let certs: DevCertificates;
const servers: FlakyKeepAliveServer[] = [];
const agents: https.Agent[] = [];
beforeAll(async () => {
  certs = await ensureDevCertificates();
});
afterAll(async () => {
  for (const agent of agents) agent.destroy();
  for (const server of servers) await server.close();
});

async function server(resetWhen: (position: number) => boolean, body = 'ok') {
  const s = await startFlakyKeepAliveServer(
    { certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem },
    { status: 200, headers: { 'content-type': 'text/plain' }, body },
    resetWhen,
  );
  servers.push(s);
  return s;
}

function send(s: FlakyKeepAliveServer, agent: https.Agent, extra: Partial<BoundedRequestOptions> = {}) {
  return boundedRequest({
    method: 'POST',
    url: new URL(s.url()),
    body: '<x/>',
    agent,
    limits: { maxResponseBytes: 1024, deadlineMs: 10_000 },
    ...extra,
  });
}

function keepAliveAgent() {
  const agent = new https.Agent({ ca: certs.caCertPem, keepAlive: true });
  agents.push(agent);
  return agent;
}

test('an idempotent read whose reused keep-alive socket is reset is sent once more, on a fresh socket', async () => {
  const s = await server((position) => position === 2);
  const agent = keepAliveAgent();
  await expect(send(s, agent, { idempotent: true })).resolves.toMatchObject({ status: 200 });
  const second = await send(s, agent, { idempotent: true });
  expect(second.body.toString()).toBe('ok');
  expect(s.requests).toEqual([
    { onSocket: 1, reset: false, method: 'POST' },
    { onSocket: 2, reset: true, method: 'POST' },
    { onSocket: 1, reset: false, method: 'POST' },
  ]);
});

test('GET is idempotent by itself', async () => {
  const s = await server((position) => position === 2);
  const agent = keepAliveAgent();
  await send(s, agent, { method: 'GET', body: undefined });
  await expect(send(s, agent, { method: 'GET', body: undefined })).resolves.toMatchObject({ status: 200 });
  expect(s.requests.map((r) => r.reset)).toEqual([false, true, false]);
});

test('a write (not declared idempotent) is never sent twice: the reset is the caller’s failure', async () => {
  const s = await server((position) => position === 2);
  const agent = keepAliveAgent();
  await send(s, agent);
  await expect(send(s, agent)).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(s.requests).toHaveLength(2);
});

test('a reset on a fresh socket is not a stale keep-alive connection: no second attempt', async () => {
  const s = await server((position) => position === 1);
  await expect(send(s, keepAliveAgent(), { idempotent: true })).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(s.requests).toHaveLength(1);
});

test('health: a single reset of a reused EWS socket leaves the mailbox check ok, run after run', async () => {
  const getFolder = responseEnvelope(
    { major: 15, minor: 20, build: 8293, revision: 25, version: 'V2018_01_08' },
    operationResponse(
      'GetFolder',
      el(
        'm:ResponseMessages',
        {},
        el(
          'm:GetFolderResponseMessage',
          { ResponseClass: 'Success' },
          responseMessageContent(
            SUCCESS,
            el(
              'm:Folders',
              {},
              el(
                't:CalendarFolder',
                {},
                el('t:FolderId', { Id: 'AAMk', ChangeKey: 'AgAA' }) +
                  textEl('t:DisplayName', 'Calendar') +
                  textEl('t:TotalCount', 3),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  const s = await server((position) => position === 2, getFolder);
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00Z'));
  const gateway = new EwsGateway({
    appId: APP_ID,
    policy: testPolicy({ caPem: certs.caCertPem, dangerouslyAllowPrivateHosts: true }),
  });
  const checks = new HealthChecks({
    appId: APP_ID,
    exchangeOnlineEwsUrl: s.url(),
    graphUrl: 'https://graph.microsoft.com',
    appCertificatePem: certs.appCertPem,
    tokens: {
      getAppToken: async () => ({
        accessToken: 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln',
        expiresOn: new Date(clock.ms + 3600_000),
        roles: ['full_access_as_app'],
      }),
    },
    vault: new FakeVault('unused'),
    protocols: { ews: ewsProtocol(gateway) },
    checkEndpoint: async () => undefined,
    timers: new ManualTimers(),
    now: clock.now,
  });
  const integration: Integration = {
    id: 'int-a',
    tenantId: 'tenant-a',
    method: 'modern',
    protocol: 'ews',
    status: 'verified',
    verifiedMailbox: 'admin@contoso.com',
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 1,
  };
  try {
    for (let run = 0; run < 3; run++) {
      const { results } = await checks.run({
        integration,
        mailbox: 'admin@contoso.com',
        knownRooms: [],
        roomCursor: 0,
      });
      expect(results.find((r) => r.check === 'mailbox')).toMatchObject({ status: 'ok' });
    }
    expect(s.requests.map((r) => r.reset)).toEqual([false, true, false, false]);
  } finally {
    gateway.close();
  }
});

describe('a server’s Keep-Alive hint', () => {
  // Node's Agent honours `Keep-Alive: timeout=N` only when the agent has an idle timeout of its
  // own; without one a free socket is kept until the server drops it, and a write sent at that
  // moment is reset (and, not being idempotent, not sent again).
  // The server announces 2 s but really keeps the connection for a minute, so only the client can
  // close it within the test's bound, however loaded the machine.
  async function closesTheIdleConnection(agent: https.Agent): Promise<boolean> {
    const server = https.createServer({ cert: certs.tlsCertPem, key: certs.tlsKeyPem }, (_req, res) => {
      res.setHeader('Keep-Alive', 'timeout=2');
      res.end('ok');
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let bound: NodeJS.Timeout | undefined;
    const closed = new Promise<boolean>((resolve) => {
      server.on('secureConnection', (socket) => socket.on('close', () => resolve(true)));
      bound = setTimeout(() => resolve(false), 15_000);
    });
    try {
      const { port } = server.address() as { port: number };
      const answer = await boundedRequest({
        method: 'GET',
        url: new URL(`https://127.0.0.1:${port}/`),
        agent,
        limits: { maxResponseBytes: 1024, deadlineMs: 10_000 },
      });
      expect(answer.headers['keep-alive']).toBe('timeout=2');
      return await closed;
    } finally {
      clearTimeout(bound);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test.each(['microsoftServiceAgent', 'customerEndpointAgent'] as const)(
    '%s closes an idle connection before the server announced it would',
    async (which) => {
      const policy = testPolicy({ caPem: certs.caCertPem, dangerouslyAllowPrivateHosts: true });
      const agent = policy[which]();
      agents.push(agent);
      await expect(closesTheIdleConnection(agent)).resolves.toBe(true);
    },
  );
});
