/** The health checks against port fakes: what each check reports, timeouts, throttling, rooms rotation. */
import { createAppCertificate } from '../../scripts/dev-certs';
import {
  DEFAULT_HEALTH_CHECK_OPTIONS,
  HealthChecks,
  roomSample,
  type HealthCheckInput,
} from '../../api/src/health/checks';
import type { CheckResult } from '../../api/src/store/health-types';
import type { Integration } from '../../api/src/store/types';
import {
  APP_ID,
  FakeExchange,
  FakeTokens,
  FakeVault,
  ManualClock,
  ManualTimers,
  failure,
  until,
} from './health-fakes';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const DAY = 24 * 3600_000;
const PASSWORD = 'Correct-Horse-Battery-9!';
const ROOMS = [
  'room.g@contoso.com',
  'room.a@contoso.com',
  'room.c@contoso.com',
  'room.b@contoso.com',
  'room.e@contoso.com',
  'room.d@contoso.com',
  'room.f@contoso.com',
];

let certPem: string;
let expiredCertPem: string;
let soonCertPem: string;
beforeAll(async () => {
  certPem = (await createAppCertificate({ notAfter: new Date(NOW + 200 * DAY) })).certPem;
  soonCertPem = (await createAppCertificate({ notAfter: new Date(NOW + 20 * DAY + 3600_000) })).certPem;
  expiredCertPem = (await createAppCertificate({ notAfter: new Date(NOW - 3600_000) })).certPem;
});

const modern: Integration = {
  id: 'int-a',
  tenantId: 'tenant-a',
  method: 'modern',
  status: 'verified',
  verifiedMailbox: 'admin@contoso.com',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  version: 3,
};
const basic: Integration = {
  ...modern,
  id: 'int-b',
  tenantId: 'tenant-b',
  method: 'basic',
  ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
  serviceAccount: 'svc-ews@fabrikam.com',
  secretId: 'https://vault.example/secrets/ews-svc-b',
  verifiedMailbox: 'admin@fabrikam.com',
};

function setup(pem?: string) {
  const clock = new ManualClock(NOW);
  const timers = new ManualTimers();
  const exchange = new FakeExchange();
  const tokens = new FakeTokens(clock);
  const vault = new FakeVault(PASSWORD);
  const checks = new HealthChecks({
    appId: APP_ID,
    exchangeOnlineEwsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
    graphUrl: 'https://graph.microsoft.com',
    appCertificatePem: pem ?? certPem,
    tokens,
    protocols: { ews: exchange, graph: exchange },
    checkEndpoint: async () => undefined,
    vault,
    timers,
    now: clock.now,
  });
  return { clock, timers, exchange, tokens, vault, checks };
}

const input = (integration: Integration, extra: Partial<HealthCheckInput> = {}): HealthCheckInput => ({
  integration,
  ...(integration.verifiedMailbox ? { mailbox: integration.verifiedMailbox } : {}),
  knownRooms: ROOMS,
  roomCursor: 0,
  ...extra,
});
const summary = (results: CheckResult[]) =>
  results.map((r) => `${r.check}:${r.status}${r.diagnostic ? `:${r.diagnostic.kind}` : ''}`);

describe('modern (Exchange Online) checks', () => {
  it("fetches a fresh token when asked (an admin's check now)", async () => {
    const { checks, tokens } = setup();
    await checks.run(input(modern, { freshToken: true }));
    expect(tokens.calls).toEqual([{ tenantId: 'tenant-a', forceRefresh: true }]);
  });

  it('passes token, certificate, mailbox, allow list and a room sample; the token comes from the cache', async () => {
    const { checks, exchange, tokens } = setup();
    const run = await checks.run(input(modern));
    expect(summary(run.results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:ok',
      'mailbox:ok',
      'ewsAllowList:ok',
      'rooms:ok',
    ]);
    expect(tokens.calls).toEqual([{ tenantId: 'tenant-a', forceRefresh: false }]);
    expect(exchange.calls[0]).toMatchObject({
      op: 'openCalendar',
      mailbox: 'admin@contoso.com',
      connection: {
        tenantId: 'tenant-a',
        credentials: { kind: 'app-token', accessToken: 'token-for-tenant-a' },
      },
    });
    // The allow list is read from the mailbox answer: one openCalendar, no second EWS call.
    expect(exchange.count('openCalendar')).toBe(1);
    expect(exchange.count('countCalendarItems')).toBe(DEFAULT_HEALTH_CHECK_OPTIONS.roomSampleSize);
    expect(run.results.find((r) => r.check === 'certificate')?.detail).toEqual({
      notAfter: new Date(NOW + 200 * DAY).toISOString(),
      daysLeft: 200,
    });
    expect(run.results.find((r) => r.check === 'rooms')?.detail).toMatchObject({ total: 7, unreachable: 0 });
  });

  it('fails the token check when the token lacks full_access_as_app, and stops there', async () => {
    const { checks, exchange, tokens } = setup();
    tokens.roles = [];
    const run = await checks.run(input(modern));
    expect(summary(run.results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:fail:consent_missing',
    ]);
    expect(run.results.find((r) => r.check === 'token')?.diagnostic?.code).toBe('NoFullAccessAsAppRole');
    expect(exchange.calls).toEqual([]);
  });

  it("reports Entra's error (revoked consent) with its AADSTS code", async () => {
    const { checks, tokens } = setup();
    tokens.error = failure('consent_missing', 'AADSTS7000229');
    const run = await checks.run(input(modern));
    expect(run.results.find((r) => r.check === 'token')).toMatchObject({
      check: 'token',
      status: 'fail',
      diagnostic: { kind: 'consent_missing', code: 'AADSTS7000229', remediation: 'fix AADSTS7000229' },
    });
  });

  it('derives a blocked EWS allow list from the mailbox answer', async () => {
    const { checks, exchange } = setup();
    exchange.mailboxError = failure('ews_blocked', 'ErrorAccessDenied');
    const run = await checks.run(input(modern));
    expect(summary(run.results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:ok',
      'mailbox:fail:ews_blocked',
      'ewsAllowList:fail:ews_blocked',
    ]);
    expect(exchange.count('openCalendar')).toBe(1);
  });

  it.each([
    ['unreachable', 'ECONNREFUSED'],
    ['invalid_address', 'InvalidMailboxAddress'],
  ] as const)('says nothing about the allow list when EWS did not answer at all (%s)', async (kind, code) => {
    const { checks, exchange } = setup();
    exchange.mailboxError = failure(kind, code);
    expect(summary((await checks.run(input(modern))).results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:ok',
      `mailbox:fail:${kind}`,
    ]);
  });

  it('reports a throttled mailbox as a warning carrying BackOffMilliseconds', async () => {
    const { checks, exchange } = setup();
    exchange.mailboxError = failure('throttled', 'ErrorServerBusy', 30_000);
    const run = await checks.run(input(modern));
    expect(summary(run.results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:ok',
      'mailbox:warn:throttled',
      'ewsAllowList:ok',
    ]);
    expect(run.results.find((r) => r.check === 'mailbox')?.diagnostic?.retryAfterMs).toBe(30_000);
  });

  it('warns within 30 days of the certificate expiring and fails once it expired', async () => {
    const soon = await setup(soonCertPem).checks.run(input(modern));
    expect(soon.results[0]).toMatchObject({ check: 'certificate', status: 'warn', detail: { daysLeft: 20 } });
    const expired = await setup(expiredCertPem).checks.run(input(modern));
    expect(expired.results[0]).toMatchObject({
      check: 'certificate',
      status: 'fail',
      diagnostic: { kind: 'certificate_expired', code: 'CertificateExpired' },
    });
  });

  it('warns from exactly 30 days before expiry (the clock injected), not a day earlier or later', async () => {
    const at = async (daysBeforeExpiry: number) => {
      const notAfter = new Date(NOW + daysBeforeExpiry * DAY);
      const pem = (await createAppCertificate({ notAfter })).certPem;
      return (await setup(pem).checks.run(input(modern))).results[0];
    };
    expect(await at(31)).toMatchObject({ check: 'certificate', status: 'ok', detail: { daysLeft: 31 } });
    expect(await at(30)).toMatchObject({ check: 'certificate', status: 'warn', detail: { daysLeft: 30 } });
    expect(await at(29)).toMatchObject({ check: 'certificate', status: 'warn', detail: { daysLeft: 29 } });
  });

  it('skips the mailbox and rooms when no mailbox was ever verified', async () => {
    const { checks, exchange } = setup();
    const { verifiedMailbox: _none, ...unverified } = modern;
    const run = await checks.run({ integration: unverified, roomCursor: 0 });
    expect(summary(run.results)).toEqual(['certificate:ok', 'ewsRetirement:ok', 'token:ok']);
    expect(exchange.calls).toEqual([]);
  });
});

describe('timeouts', () => {
  it('turns a token request that never answers into a failed check of kind timeout', async () => {
    const { checks, tokens, timers } = setup();
    tokens.hang = true;
    const running = checks.run(input(modern));
    await until(() => timers.pending.size === 1);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([
      DEFAULT_HEALTH_CHECK_OPTIONS.timeoutsMs.token,
    ]);
    timers.fireAll();
    const run = await running;
    expect(run.results.find((r) => r.check === 'token')).toMatchObject({
      check: 'token',
      status: 'fail',
      diagnostic: { kind: 'timeout', code: 'HealthCheckTimeout' },
    });
    // The certificate and the EWS countdown are computed locally, then the token timed out.
    expect(run.results.map((r) => r.check)).toEqual(['certificate', 'ewsRetirement', 'token']);
  });

  it('times each check on its own: a hanging room times out the rooms check only', async () => {
    const { checks, exchange, timers } = setup();
    exchange.hangingRooms.add('room.c@contoso.com');
    const running = checks.run(input(modern));
    await until(() => exchange.count('countCalendarItems') === 5);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([
      DEFAULT_HEALTH_CHECK_OPTIONS.timeoutsMs.rooms,
    ]);
    timers.fireAll();
    const run = await running;
    expect(summary(run.results)).toEqual([
      'certificate:ok',
      'ewsRetirement:ok',
      'token:ok',
      'mailbox:ok',
      'ewsAllowList:ok',
      'rooms:fail:timeout',
    ]);
    // Each settled check cleared its timer.
    expect(timers.pending.size).toBe(0);
    // The timed-out check aborted what it was waiting for (freeing its slot), not left it running.
    const hung = exchange.calls.find(
      (c) => c.op === 'countCalendarItems' && c.mailbox === 'room.c@contoso.com',
    );
    expect(hung?.signal?.aborted).toBe(true);
    const settled = exchange.calls.filter(
      (c) => c.op === 'countCalendarItems' && c.mailbox !== 'room.c@contoso.com',
    );
    expect(settled.every((c) => c.signal !== undefined)).toBe(true);
  });
});

describe('rooms', () => {
  it('rotates the sample through every room across runs', async () => {
    const { checks, exchange } = setup();
    const first = await checks.run(input(modern, { roomCursor: 0 }));
    const second = await checks.run(input(modern, { roomCursor: first.roomCursor }));
    const sampled = exchange.calls
      .filter((c) => c.op === 'countCalendarItems')
      .map((c) => c.mailbox?.slice(5, 6));
    expect(sampled).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'a', 'b', 'c']);
    expect([first.roomCursor, second.roomCursor]).toEqual([5, 3]);
  });

  it('warns when some rooms are unreachable, preferring a throttled one for its back-off', async () => {
    const { checks, exchange } = setup();
    exchange.roomErrors.set(
      'room.a@contoso.com',
      failure('impersonation_denied', 'ErrorImpersonateUserDenied'),
    );
    exchange.roomErrors.set('room.d@contoso.com', failure('throttled', 'ErrorServerBusy', 12_000));
    const rooms = (await checks.run(input(modern))).results.find((r) => r.check === 'rooms');
    expect(rooms).toMatchObject({
      status: 'warn',
      diagnostic: { kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 12_000 },
      detail: { total: 7, unreachable: 2 },
    });
    expect(rooms?.detail?.['sampled']).toContainEqual({
      address: 'room.a@contoso.com',
      reachable: false,
      code: 'ErrorImpersonateUserDenied',
      kind: 'impersonation_denied',
    });
    // The remedy speaks of the room, not of an admin's mailbox.
    expect(rooms?.diagnostic?.remediation).toBe(
      'Exchange asked Exchange Connect to wait before reading the room room.d@contoso.com again. Nothing to do: re-check the rooms in a few minutes.',
    );
  });

  it('reads the rooms the last run could not read first, so a re-check shows whether they are fixed', async () => {
    const { checks, exchange } = setup();
    await checks.run(input(modern, { roomCursor: 0, unreachableRooms: ['room.g@contoso.com'] }));
    const sampled = exchange.calls.filter((c) => c.op === 'countCalendarItems').map((c) => c.mailbox);
    expect(sampled[0]).toBe('room.g@contoso.com');
    expect(sampled).toHaveLength(5);
  });

  it('a deleted room mailbox gets the room remedy, not the admin-mailbox one', async () => {
    const { checks, exchange } = setup();
    exchange.roomErrors.set('room.b@contoso.com', failure('mailbox_not_found', 'ErrorNonExistentMailbox'));
    const rooms = (await checks.run(input(modern))).results.find((r) => r.check === 'rooms');
    expect(rooms?.diagnostic?.remediation).toBe(
      'Exchange has no mailbox for the room room.b@contoso.com: it was deleted or its address changed. Restore the room mailbox or remove it from its room list; a new or renamed room can take up to 48 hours to appear in room lists.',
    );
  });

  it('lists the rooms from Exchange when the verification recorded none', async () => {
    const { checks, exchange } = setup();
    exchange.roomLists = [{ address: 'rooms.oslo@contoso.com', name: 'Oslo' }];
    exchange.roomsByList.set('rooms.oslo@contoso.com', [
      { address: 'room.fjord@contoso.com', name: 'Fjord' },
    ]);
    const { knownRooms: _none, ...withoutRooms } = input(modern);
    const run = await checks.run(withoutRooms);
    expect(run.results.at(-1)).toMatchObject({ check: 'rooms', status: 'ok', detail: { total: 1 } });
    expect(exchange.calls.map((c) => c.op)).toEqual([
      'openCalendar',
      'listRoomLists',
      'listRooms',
      'countCalendarItems',
    ]);
  });

  it('samples each room once, case-insensitively, wrapping around', () => {
    expect(roomSample(['B@x', 'a@x', 'b@x', 'c@x'], 2, 2)).toEqual({ sample: ['c@x', 'a@x'], nextCursor: 1 });
    expect(roomSample([], 4, 5)).toEqual({ sample: [], nextCursor: 0 });
    expect(roomSample(['a@x'], 0, 5)).toEqual({ sample: ['a@x'], nextCursor: 0 });
  });
});

describe('basic (Exchange Server) checks', () => {
  it('reads the password, opens the mailbox with it, and never reports it', async () => {
    const { checks, exchange } = setup();
    const run = await checks.run(input(basic));
    expect(summary(run.results)).toEqual(['secret:ok', 'mailbox:ok', 'rooms:ok']);
    expect(exchange.calls[0]?.connection).toMatchObject({
      credentials: { kind: 'password', username: 'svc-ews@fabrikam.com', password: PASSWORD },
      endpoint: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
    });
    expect(JSON.stringify(run)).not.toContain(PASSWORD);
  });

  it('fails the secret check when Key Vault cannot give the password, and stops there', async () => {
    const { checks, exchange, vault } = setup();
    vault.error = failure('secret_unavailable', 'SecretNotFound');
    const run = await checks.run(input(basic));
    expect(summary(run.results)).toEqual(['secret:fail:secret_unavailable']);
    expect(exchange.calls).toEqual([]);
  });

  it('reports a changed password as a failed mailbox check', async () => {
    const { checks, exchange } = setup();
    exchange.mailboxError = failure('invalid_credentials', 'HTTP 401');
    const run = await checks.run(input(basic));
    expect(summary(run.results)).toEqual(['secret:ok', 'mailbox:fail:invalid_credentials']);
    expect(JSON.stringify(run)).not.toContain(PASSWORD);
  });
});

describe('Exchange Online over Microsoft Graph', () => {
  const graph: Integration = { ...modern, id: 'int-g', protocol: 'graph', accessScope: 'organisation' };
  const setupGraph = () => {
    const world = setup();
    world.tokens.roles = ['Calendars.ReadWrite', 'Place.Read.All'];
    return world;
  };

  it('asks for a Graph token and checks no EWS allow list and no EWS countdown', async () => {
    const { checks, tokens } = setupGraph();
    const run = await checks.run(input(graph));
    expect(summary(run.results)).toEqual(['certificate:ok', 'token:ok', 'mailbox:ok', 'rooms:ok']);
    expect(tokens.apis).toEqual(['graph']);
  });

  describe('limited to room mailboxes (RBAC for Applications)', () => {
    const rooms: Integration = { ...graph, accessScope: 'rooms', verifiedMailbox: 'room.a@contoso.com' };
    const scoped = (probe?: string) => input(rooms, probe ? { scopeProbe: probe } : {});

    it('passes while the token carries no tenant-wide Calendars permission and the probe mailbox stays refused', async () => {
      const { checks, tokens, exchange } = setupGraph();
      tokens.roles = ['Place.Read.All'];
      exchange.refusedMailboxes.add('admin@contoso.com');
      const run = await checks.run(scoped('admin@contoso.com'));
      expect(summary(run.results)).toContain('scope:ok');
      expect(run.results.find((r) => r.check === 'scope')?.detail).toMatchObject({ refused: true });
    });

    it('fails as scope_widened when the tenant-wide Calendars.ReadWrite grant is back', async () => {
      const { checks, tokens } = setupGraph();
      tokens.roles = ['Calendars.ReadWrite', 'Place.Read.All'];
      const run = await checks.run(scoped('admin@contoso.com'));
      expect(summary(run.results)).toContain('scope:fail:scope_widened');
    });

    it('fails as scope_widened when a mailbox outside the scope opens again', async () => {
      const { checks, tokens } = setupGraph();
      tokens.roles = ['Place.Read.All'];
      const run = await checks.run(scoped('admin@contoso.com'));
      const scope = run.results.find((r) => r.check === 'scope');
      expect(scope).toMatchObject({
        status: 'fail',
        diagnostic: { kind: 'scope_widened', code: 'ScopeWidened' },
      });
      expect(scope?.diagnostic?.remediation).toContain('admin@contoso.com');
    });

    it('does not depend on the probe mailbox still existing (the admin may have left)', async () => {
      const { checks, tokens, exchange } = setupGraph();
      tokens.roles = ['Place.Read.All'];
      exchange.missingMailboxes.add('admin@contoso.com');
      const run = await checks.run(scoped('admin@contoso.com'));
      expect(run.results.find((r) => r.check === 'scope')).toMatchObject({
        status: 'ok',
        detail: { probeGone: true },
      });
    });
  });
});

describe('EWS in Exchange Online ends on 2027-04-01', () => {
  it('is ok beyond 90 days, a warning within them, and a failure once EWS is switched off', async () => {
    const days = (world: ReturnType<typeof setup>, untilEnd: number) =>
      (world.clock.ms = Date.parse('2027-04-01T00:00:00Z') - untilEnd * DAY + 3600_000);
    const world = setup();
    days(world, 120);
    const far = (await world.checks.run(input(modern))).results.find((r) => r.check === 'ewsRetirement');
    expect(far).toMatchObject({ status: 'ok', detail: { endsOn: '2027-04-01', daysLeft: 119 } });
    days(world, 90);
    const near = (await world.checks.run(input(modern))).results.find((r) => r.check === 'ewsRetirement');
    expect(near).toMatchObject({ status: 'warn', detail: { daysLeft: 89 } });
    world.clock.ms = Date.parse('2027-04-01T00:00:00Z') + DAY;
    const ended = (await world.checks.run(input(modern))).results.find((r) => r.check === 'ewsRetirement');
    expect(ended).toMatchObject({ status: 'fail', diagnostic: { kind: 'ews_retired', code: 'EwsRetired' } });
    expect(ended?.diagnostic?.remediation).toContain('Move to Microsoft Graph');
  });
});
