/**
 * Issue 10 through the HTTP API against the sandbox tenant: Exchange Online over Microsoft Graph
 * by default, the move of a legacy EWS connection to Graph, and "Limit Exchange Connect to room
 * mailboxes" proven (the room opens, the admin's mailbox is refused) and then watched by health.
 * Issue 11 point 3: the verification mailbox is a decision, not a side effect of who looks.
 */
import { daysUntilEwsEnds } from '../../api/src/powershell-commands';
import type {
  AuditView,
  HealthView,
  IntegrationStatusView,
  ProblemBody,
  VerificationView,
} from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';

let env: AppUnderTest;
const ADMIN = 'admin@contoso.com';
const SECOND_ADMIN = 'admin.nomailbox@contoso.com';
const ROOM = 'room.oslo@contoso.com';

beforeAll(async () => {
  env = await startAppUnderTest({ sandbox: { rbacPropagationMs: 0 } });
});
afterAll(() => env.close());

const status = async (upn = ADMIN) =>
  (await env.call<IntegrationStatusView>(upn, 'GET', '/api/integration')).body;
const verify = async (upn = ADMIN, body: Record<string, unknown> = {}) =>
  (await env.call<VerificationView>(upn, 'POST', '/api/integration/verify', body)).body;
const prove = (body: Record<string, unknown>) =>
  env.call<VerificationView & ProblemBody>(ADMIN, 'POST', '/api/integration/scope/verify', body);
const steps = (v: VerificationView) => v.steps.map((s) => `${s.name}:${s.status}`);
const rbac = (method: string, path: string, body?: unknown) =>
  env.sandbox.control(method, `/exchange/rbac/contoso.com${path}`, body);

describe('Exchange Online over Microsoft Graph', () => {
  it('connects over Graph by default and remembers its service principal', async () => {
    await env.consentAs(ADMIN);
    const verified = await verify();
    expect(verified).toMatchObject({ outcome: 'verified' });
    expect(verified.steps[0]?.detail).toMatchObject({ protocol: 'graph' });
    const { integration } = await status();
    expect(integration).toMatchObject({
      method: 'modern',
      protocol: 'graph',
      accessScope: 'organisation',
      verificationMailbox: ADMIN,
      verificationMailboxChosenBy: ADMIN,
      servicePrincipalId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(integration?.ewsRetirement).toBeUndefined();
  });

  it('moves a legacy EWS connection to Graph with one re-consent, keeping the connection', async () => {
    await env.consentAs(ADMIN, 'accept', 'ews');
    expect((await verify()).steps[0]?.detail).toMatchObject({ protocol: 'ews' });
    const legacy = (await status()).integration;
    expect(legacy).toMatchObject({ protocol: 'ews', ewsRetirement: { endsOn: '2027-04-01' } });
    // The countdown the app computed from its clock (a day either way: the test may cross midnight).
    expect(
      Math.abs((legacy?.ewsRetirement?.daysLeft ?? NaN) - daysUntilEwsEnds(new Date())),
    ).toBeLessThanOrEqual(1);

    await env.consentAs(ADMIN, 'accept', 'graph');
    const moved = await verify();
    expect(moved).toMatchObject({ outcome: 'verified' });
    expect(moved.steps[0]?.detail).toMatchObject({ protocol: 'graph' });
    const after = (await status()).integration;
    expect(after).toMatchObject({ id: legacy?.id, protocol: 'graph', status: 'verified' });
    expect(after?.ewsRetirement).toBeUndefined();
  });
});

describe('the verification mailbox is a decision', () => {
  it('another admin looking or re-verifying uses the stored mailbox; an explicit choice is stored and audited', async () => {
    // A second Global Admin without a mailbox opens the tab and re-verifies.
    expect((await status(SECOND_ADMIN)).integration?.verificationMailbox).toBe(ADMIN);
    const again = await verify(SECOND_ADMIN);
    expect(again).toMatchObject({ outcome: 'verified', mailbox: ADMIN });

    // Their own mailbox, explicitly: a trial that fails changes nothing for anyone.
    const own = await verify(SECOND_ADMIN, { mailbox: SECOND_ADMIN });
    expect(own.outcome).toBe('failed');
    expect((await status()).integration).toMatchObject({ status: 'verified', verificationMailbox: ADMIN });

    // A room, explicitly: verified, stored with who chose it.
    expect(await verify(SECOND_ADMIN, { mailbox: ROOM })).toMatchObject({
      outcome: 'verified',
      mailbox: ROOM,
    });
    expect((await status()).integration).toMatchObject({
      status: 'verified',
      verificationMailbox: ROOM,
      verificationMailboxChosenBy: SECOND_ADMIN,
    });
    const audit = (await env.call<AuditView>(ADMIN, 'GET', '/api/integration/audit')).body.entries;
    expect(audit.find((e) => e.action === 'integration.verification_mailbox.change')).toMatchObject({
      actorUpn: SECOND_ADMIN,
      target: ROOM,
    });
    // Back to the admin's own mailbox for the scope tests.
    expect(await verify(ADMIN, { mailbox: ADMIN })).toMatchObject({ outcome: 'verified' });
  });
});

describe('Limit Exchange Connect to room mailboxes', () => {
  it('is not proven while the tenant-wide Calendars grant widens the scope', async () => {
    const res = await prove({ room: ROOM });
    expect(res.status).toBe(200);
    expect(steps(res.body)).toEqual([
      'endpoint:ok',
      'token:ok',
      'permission:ok',
      'mailbox:ok',
      'scope:failed',
    ]);
    expect(res.body.steps.at(-1)).toMatchObject({ code: 'ScopeWidened' });
    expect(res.body.steps.at(-1)?.remediation).toContain('Revoke permission');
    // A failed proof leaves the connection as it was.
    expect((await status()).integration).toMatchObject({ accessScope: 'organisation', status: 'verified' });
  });

  it('is proven once the role assignment covers rooms and the tenant-wide grant is gone, then health watches it', async () => {
    const { appId, integration } = await status();
    // The admin's PowerShell, with the values the tab shows.
    expect(
      (await rbac('POST', '/service-principals', { appId, objectId: integration?.servicePrincipalId }))
        .status,
    ).toBe(201);
    expect(
      (
        await rbac('POST', '/scopes', {
          name: 'Exchange Connect rooms',
          recipientRestrictionFilter: "RecipientTypeDetails -eq 'RoomMailbox'",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await rbac('POST', '/role-assignments', {
          app: appId,
          role: 'Application Calendars.ReadWrite',
          customResourceScope: 'Exchange Connect rooms',
        })
      ).status,
    ).toBe(201);
    expect(
      (await env.sandbox.control('DELETE', '/entra/consent/contoso.com/permissions/Calendars.ReadWrite'))
        .status,
    ).toBeLessThan(300);

    const proof = await prove({ room: ROOM });
    expect(steps(proof.body)).toEqual([
      'endpoint:ok',
      'token:ok',
      'permission:ok',
      'mailbox:ok',
      'scope:ok',
      'rooms:ok',
    ]);
    expect(proof.body.steps.find((s) => s.name === 'scope')?.detail).toMatchObject({
      outside: ADMIN,
      refused: true,
      code: 'ErrorAccessDenied',
    });
    expect((await status()).integration).toMatchObject({
      accessScope: 'rooms',
      status: 'verified',
      verificationMailbox: ROOM,
    });

    // Re-verification opens the room, not the admin's mailbox, which is now out of scope.
    expect(await verify()).toMatchObject({ outcome: 'verified', mailbox: ROOM });

    const health = (await env.call<HealthView>(ADMIN, 'POST', '/api/integration/health/check', {})).body;
    expect(health.checks.map((c) => `${c.check}:${c.status}`)).toEqual([
      'certificate:ok',
      'token:ok',
      'scope:ok',
      'mailbox:ok',
      'rooms:ok',
    ]);
    expect(health.checks.find((c) => c.check === 'mailbox')?.detail).toMatchObject({ mailbox: ROOM });

    // Someone grants the tenant-wide permission again: the scope widened, and health says so.
    expect(
      (
        await env.sandbox.control('POST', '/entra/consent/contoso.com/permissions', {
          permission: 'Calendars.ReadWrite',
        })
      ).status,
    ).toBeLessThan(300);
    const widened = (await env.call<HealthView>(ADMIN, 'POST', '/api/integration/health/check', {})).body;
    expect(widened.checks.find((c) => c.check === 'scope')).toMatchObject({
      status: 'fail',
      code: 'ScopeWidened',
    });
  });

  it('refuses a legacy EWS connection: room-only scope needs Graph', async () => {
    await env.consentAs(ADMIN, 'accept', 'ews');
    const res = await prove({ room: ROOM });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('wrong_protocol');
  });
});
