/**
 * The live verification checklist's wire format: with `Accept: application/x-ndjson` the verify
 * routes stream one line per settled step, then the result, over the real app server and SDKs.
 */
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sealPassword } from '../../api/src/secrets/seal-password';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import type {
  ProblemBody,
  SealingKeyView,
  VerificationStreamEvent,
  VerificationView,
} from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';

let env: AppUnderTest;
beforeAll(async () => {
  env = await startAppUnderTest();
});
afterAll(() => env.close());

interface Streamed {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  events: VerificationStreamEvent[];
  /** What each `data` event completed (`step:mailbox`, `result`…), then `end`: the arrival order. */
  timeline: string[][];
}

const label = (e: VerificationStreamEvent) => (e.type === 'step' ? `step:${e.step.name}` : e.type);

/** A raw HTTPS call asking for NDJSON, recording which lines each `data` event brought. */
async function streamCall(upn: string, method: string, path: string, body: unknown): Promise<Streamed> {
  const token = await issueSsoToken(env.sandbox.context, upn);
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${env.appUrl}${path}`,
      {
        method,
        agent: env.sandbox.agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/x-ndjson',
          'content-type': 'application/json',
        },
      },
      (res) => {
        let text = '';
        let pending = '';
        const events: VerificationStreamEvent[] = [];
        const timeline: string[][] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          const lines = (pending + chunk).split('\n');
          pending = lines.pop() ?? '';
          const completed = lines.map((line) => JSON.parse(line) as VerificationStreamEvent);
          events.push(...completed);
          timeline.push(completed.map(label));
        });
        res.on('end', () => {
          timeline.push(['end']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, events, timeline });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Index of the `data` event that brought the line. */
const arrival = (s: Streamed, what: string) => s.timeline.findIndex((labels) => labels.includes(what));

function resultOf(s: Streamed): VerificationView {
  const last = s.events.at(-1);
  if (last?.type !== 'result') throw new Error(`the stream ended with ${s.text}`);
  return last.verification;
}

describe('verification as an NDJSON stream', () => {
  beforeAll(async () => {
    await env.consentAs('admin@contoso.com');
  });

  it('streams endpoint, token, permission, mailbox, rooms as they settle, then the result', async () => {
    // Rooms wait on Exchange, so a streaming server must have sent the mailbox line before.
    const fault = await env.sandbox.control<{ id: number }>('POST', '/faults', {
      service: 'graph',
      operation: 'places',
      kind: 'latency',
      ms: 1500,
      count: 1,
    });
    expect(fault.status).toBe(201);

    const streamed = await streamCall('admin@contoso.com', 'POST', '/api/integration/verify', {});
    expect(streamed.status).toBe(200);
    expect(streamed.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(streamed.headers['cache-control']).toBe('no-store');
    expect(streamed.headers['x-content-type-options']).toBe('nosniff');
    expect(streamed.events.map(label)).toEqual([
      'step:endpoint',
      'step:token',
      'step:permission',
      'step:mailbox',
      'step:rooms',
      'result',
    ]);
    const result = resultOf(streamed);
    expect(result).toMatchObject({ outcome: 'verified' });
    expect(result.steps).toEqual(streamed.events.flatMap((e) => (e.type === 'step' ? [e.step] : [])));

    // The latency was spent on this verification's rooms step.
    const faults = await env.sandbox.control<{ value: { id: number }[] }>('GET', '/faults');
    expect(faults.body.value.map((f) => f.id)).not.toContain(fault.body.id);
    expect(arrival(streamed, 'step:mailbox')).toBeGreaterThanOrEqual(0);
    expect(arrival(streamed, 'step:mailbox')).toBeLessThan(arrival(streamed, 'result'));
    expect(arrival(streamed, 'result')).toBeLessThan(arrival(streamed, 'end'));
  });

  it('refuses an invalid request or a non-admin with problem+json, not a stream', async () => {
    const invalid = await streamCall('admin@contoso.com', 'POST', '/api/integration/verify', {
      mailbox: 'not an address',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((JSON.parse(invalid.text) as ProblemBody).code).toBe('invalid_request');

    const notAdmin = await streamCall('alex@contoso.com', 'POST', '/api/integration/verify', {});
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((JSON.parse(notAdmin.text) as ProblemBody).code).toBe('not_global_admin');
  });

  it('streams the failed mailbox step of a Basic connection with a wrong password, then the refusal', async () => {
    const password = `Pw-${randomBytes(12).toString('base64url')}`;
    await env.sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/password', {
      password,
    });
    const key = await env.call<SealingKeyView>('admin@fabrikam.com', 'POST', '/api/sealing-key', {
      purpose: 'connect',
    });
    const streamed = await streamCall('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: `${env.sandbox.urls.exchangeServer}/EWS/Exchange.asmx`,
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealPassword(key.body, `${password}-wrong`),
    });
    expect(streamed.status).toBe(200);
    // Nothing was stored: the stream ends with the refusal, the same 400 a JSON caller gets.
    expect(streamed.events.map(label)).toEqual([
      'step:endpoint',
      'step:credentials',
      'step:mailbox',
      'error',
    ]);
    const mailbox = streamed.events.find((e) => e.type === 'step' && e.step.name === 'mailbox');
    expect(mailbox).toMatchObject({ step: { status: 'failed', remediation: expect.any(String) } });
    expect(streamed.events.at(-1)).toMatchObject({
      type: 'error',
      problem: { status: 400, code: 'invalid_credentials' },
    });
    expect(streamed.text).not.toContain(password);
  });
});
