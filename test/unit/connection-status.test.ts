/**
 * Issue 11, point 2: one status, one headline rule. Each case is a contradiction an admin met:
 * a green badge above a failing health, "Healthy" above a failed check, "needs attention" while
 * health said healthy, a rooms table older than health.
 */
import { connectionStatus, type StatusInput } from '../../api/src/status/connection-status';
import type { HealthResult, IntegrationHealth } from '../../api/src/store/health-types';
import type { Integration, VerificationTrace } from '../../api/src/store/types';

const TENANT = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const NOW = new Date('2026-12-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

const integration = (overrides: Partial<Integration> = {}): Integration => ({
  id: 'i-1',
  tenantId: TENANT,
  method: 'modern',
  protocol: 'graph',
  status: 'verified',
  verifiedMailbox: 'admin@contoso.com',
  verifiedAt: at(60),
  verificationMailbox: 'admin@contoso.com',
  createdAt: at(120),
  updatedAt: at(60),
  version: 3,
  ...overrides,
});

const trace = (minutesAgo: number, rooms: unknown[] = []): VerificationTrace => ({
  id: 't-1',
  integrationId: 'i-1',
  tenantId: TENANT,
  outcome: 'verified',
  mailbox: 'admin@contoso.com',
  startedAt: at(minutesAgo),
  finishedAt: at(minutesAgo),
  steps: [
    { name: 'mailbox', status: 'ok', durationMs: 5 },
    { name: 'rooms', status: 'ok', durationMs: 5, detail: { rooms: rooms as never } },
  ],
});

const health = (state: IntegrationHealth['state'], lastRunMinutesAgo: number): IntegrationHealth => ({
  integrationId: 'i-1',
  tenantId: TENANT,
  state,
  since: at(lastRunMinutesAgo),
  consecutiveFailures: 0,
  roomCursor: 0,
  lastRunAt: at(lastRunMinutesAgo),
  nextRunAt: at(-15),
});

let seq = 0;
const result = (
  runId: string,
  minutesAgo: number,
  check: HealthResult['check'],
  status: HealthResult['status'],
  extra: Partial<HealthResult> = {},
): HealthResult => ({
  id: `r-${++seq}`,
  runId,
  tenantId: TENANT,
  integrationId: 'i-1',
  checkedAt: at(minutesAgo),
  check,
  status,
  durationMs: 1,
  ...extra,
});

const status = (input: Partial<StatusInput>) =>
  connectionStatus({ integration: undefined, recentResults: [], now: NOW, appId: 'app-id', ...input });

const refused = {
  kind: 'mailbox_not_found' as const,
  code: 'ErrorInvalidUser',
  message: 'No such mailbox.',
  remediation: 'Assign a mailbox.',
};

it('says not connected without an integration, and after a disconnect', () => {
  expect(status({}).headline).toBe('not_connected');
  expect(status({ integration: integration({ status: 'disconnected' }) }).headline).toBe('not_connected');
});

it('waits for Microsoft 365 while consent is being applied', () => {
  expect(status({ integration: integration({ status: 'pending' }) })).toMatchObject({
    headline: 'pending',
    tone: 'warning',
  });
});

it('is connected (not yet checked) right after a verification, before any health run', () => {
  expect(status({ integration: integration(), latestTrace: trace(60) })).toMatchObject({
    headline: 'checking',
    tone: 'success',
    title: 'Exchange is connected',
  });
});

it('never shows a green badge above failing health: a newer failing run decides', () => {
  const s = status({
    integration: integration(),
    latestTrace: trace(60),
    health: health('failing', 5),
    recentResults: [
      result('run-2', 5, 'mailbox', 'fail', { diagnostic: refused }),
      result('run-2', 5, 'token', 'ok'),
    ],
  });
  expect(s).toMatchObject({
    headline: 'failing',
    tone: 'danger',
    cause: {
      source: 'health',
      label: 'Mailbox access',
      code: 'ErrorInvalidUser',
      remediation: 'Assign a mailbox.',
    },
  });
});

it('never says "healthy" above a check that just failed, even while damping holds the state', () => {
  const s = status({
    integration: integration(),
    health: health('healthy', 5),
    recentResults: [result('run-2', 5, 'mailbox', 'fail', { diagnostic: refused })],
  });
  expect(s.headline).toBe('degraded');
  expect(s.tone).toBe('warning');
  expect(s.summary).toBe(
    'Mailbox access failed in the last run; Exchange Connect checks again before alerting anyone.',
  );
});

it('lets a newer healthy run override an older failed verification, and says so', () => {
  const s = status({
    integration: integration({
      status: 'failed',
      updatedAt: at(30),
      lastError: { kind: 'timeout', code: 'ETIMEDOUT', message: 'No answer.', remediation: 'Retry.' },
    }),
    latestTrace: { ...trace(30), outcome: 'failed' },
    health: health('healthy', 5),
    recentResults: [result('run-2', 5, 'mailbox', 'ok')],
  });
  expect(s.headline).toBe('healthy');
  expect(s.notes.map((n) => n.kind)).toContain('earlier_verification_failed');
});

it('needs attention when the failed verification is the newest word', () => {
  const s = status({
    integration: integration({
      status: 'failed',
      updatedAt: at(2),
      lastError: {
        kind: 'mailbox_not_found',
        code: 'ErrorInvalidUser',
        message: 'No such mailbox.',
        remediation: 'Assign.',
      },
    }),
    latestTrace: {
      ...trace(2),
      outcome: 'failed',
      steps: [{ name: 'mailbox', status: 'failed', durationMs: 3, code: 'ErrorInvalidUser' }],
    },
    health: health('healthy', 10),
    recentResults: [result('run-1', 10, 'mailbox', 'ok')],
  });
  expect(s).toMatchObject({
    headline: 'needs_attention',
    tone: 'danger',
    cause: { source: 'verification', label: 'Mailbox access', code: 'ErrorInvalidUser' },
  });
});

it('shows each room with the newest word on it: a later health sample beats the verification', () => {
  const s = status({
    integration: integration(),
    latestTrace: trace(60, [
      { address: 'room.oslo@contoso.com', name: 'Oslo', reachable: true },
      { address: 'room.berlin@contoso.com', name: 'Berlin', reachable: true },
    ]),
    health: health('degraded', 5),
    recentResults: [
      result('run-2', 5, 'rooms', 'warn', {
        detail: {
          sampled: [
            {
              address: 'room.berlin@contoso.com',
              reachable: false,
              code: 'ErrorInvalidUser',
              kind: 'mailbox_not_found',
            },
          ],
        },
      }),
      result('run-1', 20, 'rooms', 'ok', {
        detail: { sampled: [{ address: 'room.berlin@contoso.com', reachable: true }] },
      }),
    ],
  });
  expect(s.rooms).toEqual([
    {
      address: 'room.oslo@contoso.com',
      name: 'Oslo',
      reachable: true,
      checkedAt: at(60),
      source: 'verification',
    },
    {
      address: 'room.berlin@contoso.com',
      name: 'Berlin',
      reachable: false,
      code: 'ErrorInvalidUser',
      remediation: expect.stringMatching(/^Exchange has no mailbox for the room room\.berlin@contoso\.com/),
      checkedAt: at(5),
      source: 'health',
    },
  ]);
});

it('notes that the admin left, the EWS countdown, the room-only scope and the certificate expiry', () => {
  const s = status({
    integration: integration({ protocol: 'ews' }),
    health: health('healthy', 5),
    recentResults: [
      result('run-2', 5, 'mailbox', 'ok', {
        detail: {
          mailbox: 'room.oslo@contoso.com',
          verificationMailbox: 'admin@contoso.com',
          verificationMailboxGone: true,
        },
      }),
      result('run-2', 5, 'certificate', 'ok', {
        detail: { notAfter: '2027-06-01T00:00:00.000Z', daysLeft: 181 },
      }),
    ],
  });
  expect(s.headline).toBe('healthy');
  expect(s.notes.map((n) => n.kind)).toEqual(['admin_left', 'ews_retiring']);
  expect(s.notes[1]?.text).toContain('(120 days left)');
  expect(s.certificate).toEqual({ notAfter: '2027-06-01T00:00:00.000Z', daysLeft: 181 });
  const scoped = status({
    integration: integration({ accessScope: 'rooms', verificationMailbox: 'room.oslo@contoso.com' }),
  });
  expect(scoped.notes.map((n) => n.kind)).toEqual(['room_scope']);
});
