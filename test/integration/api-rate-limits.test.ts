/**
 * Abuse limits through the real app: small allowances (2 per Global Admin, 3 per tenant per
 * window, 1 and 2 for health checks) so each test counts requests to the one that is refused. The
 * window is ten minutes and nothing here waits, so no allowance refills during a test.
 */
import type { ProblemBody } from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';

let env: AppUnderTest;
beforeAll(async () => {
  env = await startAppUnderTest({
    env: {
      EC_RATE_LIMIT_WINDOW_SECONDS: '600',
      EC_RATE_LIMIT_VERIFY_PER_USER: '2',
      EC_RATE_LIMIT_VERIFY_PER_TENANT: '3',
      EC_RATE_LIMIT_CHECK_PER_USER: '1',
      EC_RATE_LIMIT_CHECK_PER_TENANT: '2',
      EC_RATE_LIMIT_START_PER_USER: '2',
      EC_RATE_LIMIT_START_PER_TENANT: '3',
    },
  });
});
afterAll(() => env.close());

const send = (upn: string, method: string, path: string, body: unknown = {}) =>
  env.call<ProblemBody>(upn, method, path, body);

function expectLimited(res: Awaited<ReturnType<typeof send>>): void {
  expect({ status: res.status, code: res.body.code }).toEqual({ status: 429, code: 'rate_limited' });
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(String(res.headers['retry-after'])).toMatch(/^[1-9]\d*$/);
}
const notLimited = (res: Awaited<ReturnType<typeof send>>) => expect(res.status).not.toBe(429);

describe('verifications (verify, connect with Basic, password update share one allowance)', () => {
  it('the third from one admin is refused with 429 and Retry-After; another admin of the tenant still gets one', async () => {
    notLimited(await send('admin@contoso.com', 'POST', '/api/integration/verify'));
    notLimited(await send('admin@contoso.com', 'PUT', '/api/integration/password', {}));
    const third = await send('admin@contoso.com', 'POST', '/api/integrations/basic', {});
    expectLimited(third);
    // The refused request cost the tenant nothing: one of its three is still there.
    notLimited(await send('admin.nomailbox@contoso.com', 'POST', '/api/integration/verify'));
    expectLimited(await send('admin.nomailbox@contoso.com', 'POST', '/api/integration/verify'));
  });

  it('another tenant is not affected', async () => {
    notLimited(await send('admin@fabrikam.com', 'POST', '/api/integration/verify'));
    notLimited(await send('admin@fabrikam.com', 'POST', '/api/integration/verify'));
    expectLimited(await send('admin@fabrikam.com', 'POST', '/api/integration/verify'));
  });
});

describe('health checks run now', () => {
  it('per admin and per tenant', async () => {
    notLimited(await send('admin@northwind.com', 'POST', '/api/integration/health/check'));
    expectLimited(await send('admin@northwind.com', 'POST', '/api/integration/health/check'));
    notLimited(await send('admin@tailspintoys.com', 'POST', '/api/integration/health/check'));
  });

  it('users who are not Global Admins are refused (403), limited per user (each refusal is audited), and never use the tenant’s allowance', async () => {
    expect((await send('alex@contoso.com', 'POST', '/api/integration/health/check')).status).toBe(403);
    for (let i = 0; i < 4; i++)
      expectLimited(await send('alex@contoso.com', 'POST', '/api/integration/health/check'));
    notLimited(await send('admin@contoso.com', 'POST', '/api/integration/health/check'));
    notLimited(await send('admin.nomailbox@contoso.com', 'POST', '/api/integration/health/check'));
    expectLimited(await send('admin.nomailbox@contoso.com', 'POST', '/api/integration/health/check'));
  });
});

describe('admin-consent starts', () => {
  it('the third start from one admin is refused; another tenant is not affected', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await send('admin@northwind.com', 'POST', '/api/integrations/modern/consent')).status).toBe(
        201,
      );
    }
    expectLimited(await send('admin@northwind.com', 'POST', '/api/integrations/modern/consent'));
    expect((await send('admin@tailspintoys.com', 'POST', '/api/integrations/modern/consent')).status).toBe(
      201,
    );
  });
});
