/** Issue 11, point 7: the audit log shows admin actions; automatic re-checks are summarised. */
import { auditView } from '../../api/src/http/views';
import type { AuditEntry } from '../../api/src/store/types';

let n = 0;
const entry = (minute: number, action: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `a-${++n}`,
  tenantId: 't',
  actorOid: 'o',
  actorUpn: 'admin@contoso.com',
  action,
  result: 'success',
  at: `2026-12-01T12:${String(minute).padStart(2, '0')}:00.000Z`,
  ...extra,
});
const auto = (minute: number, outcome = 'pending') =>
  entry(minute, 'integration.verify', {
    target: 'admin@contoso.com',
    detail: { outcome, automatic: true },
  });

it('folds automatic re-checks in a row into one row with their count and first time', () => {
  const view = auditView([
    entry(30, 'integration.verify', { target: 'admin@contoso.com', detail: { outcome: 'verified' } }),
    auto(29),
    auto(28),
    auto(27),
    entry(20, 'consent.complete'),
    auto(19),
    entry(10, 'consent.start', { result: 'failure', detail: { code: 'not_global_admin' } }),
  ]);
  expect(view.entries).toEqual([
    {
      at: '2026-12-01T12:30:00.000Z',
      actorUpn: 'admin@contoso.com',
      action: 'integration.verify',
      result: 'success',
      target: 'admin@contoso.com',
      outcome: 'verified',
    },
    {
      at: '2026-12-01T12:29:00.000Z',
      actorUpn: 'admin@contoso.com',
      action: 'integration.verify',
      result: 'success',
      target: 'admin@contoso.com',
      outcome: 'pending',
      count: 3,
      since: '2026-12-01T12:27:00.000Z',
    },
    {
      at: '2026-12-01T12:20:00.000Z',
      actorUpn: 'admin@contoso.com',
      action: 'consent.complete',
      result: 'success',
    },
    {
      at: '2026-12-01T12:19:00.000Z',
      actorUpn: 'admin@contoso.com',
      action: 'integration.verify',
      result: 'success',
      target: 'admin@contoso.com',
      outcome: 'pending',
      count: 1,
      since: '2026-12-01T12:19:00.000Z',
    },
    {
      at: '2026-12-01T12:10:00.000Z',
      actorUpn: 'admin@contoso.com',
      action: 'consent.start',
      result: 'failure',
      code: 'not_global_admin',
    },
  ]);
});
