/**
 * The one error table, through a real express app: known errors answer with their status and
 * stable code; anything else is a bare 500 whose body names only the correlation id, while the
 * error itself goes to the log line with that id. No library message or stack reaches the body.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../api/src/logger';
import { INTERNAL_ERROR, problemHandler } from '../../api/src/http/problem';
import { createApiRouter, type ApiRouterDeps } from '../../api/src/http/routes';
import { RequestError } from '../../api/src/http/request-error';
import { SsoTokenError } from '../../api/src/identity/errors';
import { UseCaseError } from '../../api/src/integrations/errors';
import { StoreConflictError } from '../../api/src/store/errors';
import { ExchangeConnectError } from '../../api/src/errors';
import type { ProblemBody } from '../../api/src/http/contract';

let server: http.Server;
let base: string;
const logs: string[] = [];

beforeAll(async () => {
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const app = express();
  app.use((_req, res, next) => {
    res.locals.correlationId = 'corr-1234';
    next();
  });
  app.use(express.json({ limit: '1kb' }));
  const throwing =
    (error: unknown) => (_req: express.Request, _res: express.Response, next: express.NextFunction) =>
      next(error);
  const secretMessage = 'connect ECONNREFUSED 10.0.0.5:5432 at TCPConnectWrap.afterConnect';
  app.get('/plain', throwing(new Error(secretMessage)));
  app.get('/thrown-string', throwing('a string'));
  app.get(
    '/sso',
    throwing(new SsoTokenError('signature', 'jose says: JWSSignatureVerificationFailed at verify()')),
  );
  app.get(
    '/use-case',
    throwing(new UseCaseError('not_global_admin', 'Only Global Administrators.', 'Ask one.')),
  );
  app.get('/store', throwing(new StoreConflictError('row version 3, expected 2')));
  app.get('/throttled', throwing(new RequestError('check_throttled', 'Wait.', { retryAfterMs: 2500 })));
  app.get(
    '/service',
    throwing(
      new ExchangeConnectError({
        kind: 'timeout',
        code: 'ETIMEDOUT',
        message: 'No answer.',
        remediation: 'Retry.',
      }),
    ),
  );
  app.post('/json', (_req, res) => void res.json({}));
  app.use(problemHandler(log));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function get(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: ProblemBody; headers: Headers; text: string }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as ProblemBody, headers: res.headers, text };
}

describe('the problem table over HTTP', () => {
  it('a thrown plain Error is a bare INTERNAL_ERROR body with the correlation id, and an error log line', async () => {
    const res = await get('/plain');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:exchange-connect:problem:internal_error',
      title: 'internal_error',
      status: 500,
      code: 'internal_error',
      detail: expect.stringMatching(/correlation id/),
      correlationId: 'corr-1234',
    });
    expect(res.text).not.toMatch(/ECONNREFUSED|TCPConnectWrap|at \w+/);
    const line = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.correlationId === 'corr-1234' && l.msg === 'unhandled error');
    expect(line).toMatchObject({ level: 50, path: '/plain' });
    expect(JSON.stringify(line)).toContain('ECONNREFUSED');
  });

  it('a thrown non-Error is a 500 too', async () => {
    expect((await get('/thrown-string')).body.code).toBe('internal_error');
  });

  it('an SSO refusal is a 401 with a fixed text, never the JWT library’s message', async () => {
    const res = await get('/sso');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_token');
    expect(res.text).not.toContain('jose');
    expect(res.text).not.toContain('JWSSignatureVerificationFailed');
  });

  it('use cases, store conflicts and service errors answer with their table entries', async () => {
    expect(await get('/use-case')).toMatchObject({
      status: 403,
      body: { code: 'not_global_admin', remediation: 'Ask one.' },
    });
    const store = await get('/store');
    expect(store).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(store.text).not.toContain('row version');
    expect(await get('/service')).toMatchObject({
      status: 504,
      body: { code: 'timeout', microsoftCode: 'ETIMEDOUT' },
    });
  });

  it('a 429 carries Retry-After in whole seconds', async () => {
    const res = await get('/throttled');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('body-parser failures are request problems: bad JSON 400, too large 413', async () => {
    const bad = await get('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
    const big = await get('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(4000) }),
    });
    expect(big).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
  });
});

/**
 * The same through the real API router: a route whose store throws a plain Error, as JSON and as
 * an NDJSON verification stream (before and after the stream started), never shows its message.
 */
describe('a plain Error thrown inside an API route', () => {
  const LEAK = 'ECONNRESET 10.1.2.3:5432 password=hunter2 at Socket.onRead';
  const routerLogs: string[] = [];
  let routerServer: http.Server;
  let routerBase: string;

  beforeAll(async () => {
    const admin = { tenantId: 'tid-a', oid: 'oid-a', upn: 'admin@fabrikam.com', isGlobalAdmin: true };
    const failing = async () => {
      throw new Error(LEAK);
    };
    const deps: ApiRouterDeps = {
      appId: 'app',
      publicUrl: 'https://connect.example.com',
      validator: { validate: async () => admin },
      store: { listAudit: failing } as unknown as ApiRouterDeps['store'],
      service: {
        // Fails before the stream starts, or after its first step.
        verify: async (_user: unknown, options: { mailbox?: string; onStep?: (step: unknown) => void }) => {
          if (options.mailbox === 'late@fabrikam.com') {
            options.onStep?.({ name: 'endpoint', status: 'ok', durationMs: 1 });
          }
          return failing();
        },
      } as unknown as ApiRouterDeps['service'],
      sealer: {} as ApiRouterDeps['sealer'],
      admins: { sawSignedIn: async () => undefined },
      log: createLogger({
        level: 'debug',
        destination: new Writable({
          write(chunk: Buffer, _e, done) {
            routerLogs.push(chunk.toString('utf8'));
            done();
          },
        }),
      }),
      checkNow: failing,
      rateLimits: {
        windowMs: 60_000,
        verify: { perUser: 100, perTenant: 100 },
        check: { perUser: 100, perTenant: 100 },
        start: { perUser: 100, perTenant: 100 },
      },
      now: Date.now,
    };
    const app = express();
    app.use((_req, res, next) => {
      res.locals.correlationId = 'corr-route';
      next();
    });
    app.use('/api', createApiRouter(deps));
    routerServer = http.createServer(app);
    await new Promise<void>((resolve) => routerServer.listen(0, '127.0.0.1', () => resolve()));
    routerBase = `http://127.0.0.1:${(routerServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => routerServer.close(() => resolve())));

  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${routerBase}${path}`, {
      ...init,
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...init.headers },
    });
  const bare = { ...INTERNAL_ERROR, correlationId: 'corr-route' };
  const errorLine = () =>
    routerLogs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.correlationId === 'corr-route' && l.msg === 'unhandled error');

  it('as JSON: a bare INTERNAL_ERROR body, and the error in the log under the same id', async () => {
    const res = await request('/api/integration/audit');
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual(bare);
    expect(text).not.toMatch(/ECONNRESET|hunter2|Socket|at \w+/);
    expect(errorLine().at(-1)).toMatchObject({ level: 50, path: '/integration/audit' });
    expect(JSON.stringify(errorLine().at(-1))).toContain('ECONNRESET');
    // Secrets in the error's message are redacted even in the log.
    expect(routerLogs.join('')).not.toContain('hunter2');
  });

  it('in a verification stream: a 500 before the first step, an error line with the bare body after it', async () => {
    const ndjson = { accept: 'application/x-ndjson' };
    const early = await request('/api/integration/verify', { method: 'POST', body: '{}', headers: ndjson });
    expect(early.status).toBe(500);
    expect(await early.json()).toEqual(bare);
    const late = await request('/api/integration/verify', {
      method: 'POST',
      body: JSON.stringify({ mailbox: 'late@fabrikam.com' }),
      headers: ndjson,
    });
    const lines = (await late.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(late.status).toBe(200);
    expect(lines.at(-1)).toEqual({ type: 'error', problem: bare });
    expect(JSON.stringify(lines)).not.toMatch(/ECONNRESET|hunter2/);
  });
});
