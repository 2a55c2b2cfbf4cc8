/**
 * Issue 11, point 1: right after admin consent Entra issues app-only tokens without roles while
 * the grant replicates. Such a token must never be the last word: once the grant applies, the next
 * re-check and "Check now" see it — on a first consent, on a re-consent, and after Disconnect and a
 * new consent. The sandbox's clock is ours, so "the grant applies" is a step, not a wait.
 */
import type { HealthView, VerificationView } from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';

const PROPAGATION_MS = 60_000;
let env: AppUnderTest;
// One clock for the app and the sandbox, ahead of real time by whole propagation delays (msal-node
// signs its client assertions with the real time, valid for 10 minutes: four steps fit).
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

beforeAll(async () => {
  env = await startAppUnderTest({
    sandbox: { now, consentPropagationMs: PROPAGATION_MS },
    now,
  });
});
afterAll(() => env.close());

const ADMIN = 'admin@contoso.com';
const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const verify = async (attempt: number) =>
  (await env.call<VerificationView>(ADMIN, 'POST', '/api/integration/verify', { attempt })).body;
const checkNow = async () =>
  (await env.call<HealthView>(ADMIN, 'POST', '/api/integration/health/check', {})).body;
const applyGrant = () => {
  offsetMs += PROPAGATION_MS + 1_000;
};

it.each([
  ['a first consent', async () => undefined],
  [
    'a re-consent after the grant was revoked',
    async () => {
      expect((await env.sandbox.control('DELETE', `/entra/consent/${CONTOSO}`)).status).toBeLessThan(300);
    },
  ],
  [
    'Disconnect, the grant removed in Entra, and a new consent',
    async () => {
      expect((await env.call(ADMIN, 'DELETE', '/api/integration')).status).toBe(204);
      expect((await env.sandbox.control('DELETE', `/entra/consent/${CONTOSO}`)).status).toBeLessThan(300);
    },
  ],
])('after %s, the re-check is verified as soon as the grant applies', async (_case, before) => {
  await before();
  await env.consentAs(ADMIN);
  // The consent callback's own verification, and a re-check, run while Entra still replicates.
  const early = await verify(0);
  expect(early.outcome).toBe('pending');
  expect(early.diagnostic?.kind).toBe('consent_pending');

  applyGrant();
  const later = await verify(1);
  expect(later.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
    'endpoint:ok',
    'token:ok',
    'permission:ok',
    'mailbox:ok',
    'rooms:ok',
  ]);
  expect(later).toMatchObject({ outcome: 'verified' });
});

it('"Check now" sees a grant that applied after the last token was issued', async () => {
  expect((await env.sandbox.control('DELETE', `/entra/consent/${CONTOSO}`)).status).toBeLessThan(300);
  await env.consentAs(ADMIN);
  expect((await verify(0)).outcome).toBe('pending');
  applyGrant();
  const health = await checkNow();
  expect(health.checks.find((c) => c.check === 'token')?.status).toBe('ok');
});
