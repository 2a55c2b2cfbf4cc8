import { httpsJson, startTestSandbox, type TestSandbox } from '../support/sandbox';

describe('sandbox control API', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  it('lists every service origin, each on its own HTTPS port', async () => {
    const res = await sandbox.control<{ urls: Record<string, string> }>('GET', '');
    expect(res.status).toBe(200);
    const origins = Object.values(res.body.urls);
    expect(origins).toHaveLength(7);
    expect(new Set(origins).size).toBe(7);
    for (const origin of origins) expect(origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('keeps an idle connection for minutes, as Microsoft’s front ends do, not Node’s 5 s', async () => {
    // The home origin's `/` is the Teams host, which installs the bot for whoever opens it: ask the
    // control API there instead.
    const { home, ...services } = sandbox.urls;
    for (const url of [`${home}/_sandbox`, ...Object.values(services).map((origin) => `${origin}/`)]) {
      const res = await httpsJson(sandbox.agent, url);
      expect(res.headers['keep-alive']).toBe('timeout=120');
    }
  });

  it('adds, lists and clears fault rules, rejecting bad ones with problem+json', async () => {
    const bad = await sandbox.control<{ code: string }>('POST', '/faults', {
      service: 'ews',
      kind: 'explode',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    const added = await sandbox.control<{ id: number }>('POST', '/faults', {
      service: 'ews',
      operation: 'GetFolder',
      kind: 'throttle',
      ms: 5000,
      count: 1,
    });
    expect(added.status).toBe(201);
    expect((await sandbox.control<{ value: unknown[] }>('GET', '/faults')).body.value).toHaveLength(1);
    expect(sandbox.context.faults.take('ews', 'GetFolder').failure?.kind).toBe('throttle');
    expect(sandbox.context.faults.list()).toHaveLength(0);
  });
});
