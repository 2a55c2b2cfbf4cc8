/**
 * Every card the bot sends parses cleanly as Adaptive Cards 1.5 (the version Teams renders) with
 * Microsoft's own Adaptive Cards parser (`adaptivecards` 3.0.6, offline): unknown element or
 * action types, invalid enum values and missing required properties are all reported by it.
 */
import type { HealthAlert, HealthResult, IntegrationHealth } from '../../api/src/store/health-types';
import type { Integration } from '../../api/src/store/types';
import { alertCard, recoveryCard } from '../../bot/src/cards/alert-card';
import { adaptiveCard, tabDeepLink, type AdaptiveCard } from '../../bot/src/cards/card';
import { helpCard, welcomeCard } from '../../bot/src/cards/help-card';
import { statusCard, type StatusView } from '../../bot/src/cards/status-card';
import { connectionStatus } from '../../api/src/status/connection-status';

// The package's ESM entry has extension-less imports Node cannot resolve; its UMD bundle is the same code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

function problems(card: object): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  return [...events, ...parsed.validateProperties().validationEvents.map((e) => e.message)];
}

const tab = { teamsAppId: '7b1c2e0a-5a57-4c43-9a0b-0a8f2f1f6a11', entityId: 'exchangeConnect' };
const tenantId = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const failing: HealthAlert = {
  id: 'a-1',
  tenantId,
  integrationId: 'i-1',
  kind: 'failing',
  severity: 'critical',
  title: 'Exchange connection failing: App-only token',
  summary: 'Exchange Connect has no admin consent in your organisation.',
  failingCheck: 'token',
  microsoftCode: 'AADSTS7000229',
  remediation: 'A Global Administrator grants consent again from the Exchange Connect tab.',
  since: '2026-11-28T16:00:00.000Z',
  createdAt: '2026-11-28T16:30:00.000Z',
};
const recovered: HealthAlert = {
  ...failing,
  id: 'a-2',
  kind: 'recovered',
  severity: 'info',
  title: 'Exchange connection recovered',
  summary: 'Every check passes again.',
  since: '2026-11-28T17:00:00.000Z',
};
const integration: Integration = {
  id: 'i-1',
  tenantId,
  method: 'modern',
  status: 'verified',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  version: 1,
};
const health: IntegrationHealth = {
  integrationId: 'i-1',
  tenantId,
  state: 'degraded',
  since: '2026-11-28T16:00:00.000Z',
  consecutiveFailures: 0,
  roomCursor: 0,
  lastRunAt: '2026-11-28T16:30:00.000Z',
  nextRunAt: '2026-11-28T16:45:00.000Z',
};
const result = (check: HealthResult['check'], status: HealthResult['status']): HealthResult => ({
  id: `r-${check}`,
  runId: 'run-1',
  tenantId,
  integrationId: 'i-1',
  checkedAt: '2026-11-28T16:30:00.000Z',
  check,
  status,
  durationMs: 10,
  ...(status === 'ok'
    ? {}
    : { diagnostic: { kind: 'throttled', code: 'ErrorServerBusy', message: 'Busy.', remediation: 'Wait.' } }),
});

/** A status card's view as the bot builds it: through the one status model. */
function view(parts: Omit<StatusView, 'status'>): StatusView {
  return {
    ...parts,
    status: connectionStatus({
      integration: parts.integration,
      health: parts.health,
      recentResults: [...parts.lastResults].reverse(),
      now: new Date('2026-11-28T16:31:00.000Z'),
      appId: 'app',
    }),
  };
}

const cards: [string, AdaptiveCard][] = [
  ['alert (critical)', alertCard(failing, tab)],
  [
    'alert (certificate warning, no Microsoft code)',
    alertCard(
      { ...failing, kind: 'certificate_expiring', severity: 'warning', microsoftCode: undefined },
      tab,
    ),
  ],
  ['recovery closing an incident', recoveryCard(recovered, tab, failing)],
  ['recovery without a known incident', recoveryCard(recovered, tab)],
  ['status (not connected)', statusCard(view({ lastResults: [] }), tab)],
  [
    'status (degraded, muted, with checks and a note)',
    statusCard(
      view({
        integration,
        health,
        lastResults: [result('token', 'ok'), result('mailbox', 'warn'), result('rooms', 'fail')],
        mutedUntil: '2026-11-29T16:00:00.000Z',
        note: 'The checks are still running.',
      }),
      tab,
    ),
  ],
  ['status (never checked)', statusCard(view({ integration, lastResults: [] }), tab)],
  ['welcome', welcomeCard(tab)],
  ['help', helpCard(tab, "I didn't understand that.")],
];

describe('Adaptive Cards the bot sends', () => {
  it.each(cards)('%s is a valid Adaptive Card 1.5', (_name, card) => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(problems(card)).toEqual([]);
  });

  it('the validator does report broken cards (control case)', () => {
    const broken = adaptiveCard(
      [{ type: 'TextBlock', text: 'x', color: 'purple' }, { type: 'Carousel' }],
      [{ type: 'Action.OpenUrl', title: 'Open' }],
    );
    expect(problems(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Invalid value "purple"'),
        expect.stringContaining('Unknown element type "Carousel"'),
        expect.stringContaining('"url" must be set'),
      ]),
    );
  });

  it('the alert card shows severity colour, what changed and since when, the code, the fix, and both buttons', () => {
    const card = alertCard(failing, tab);
    const json = JSON.stringify(card);
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(json).toContain('Exchange connection failing: App-only token');
    expect(json).toContain('2026-11-28 16:00 UTC');
    expect(json).toContain('AADSTS7000229');
    expect(json).toContain('grants consent again');
    expect(card.actions).toEqual([
      { type: 'Action.Execute', title: 'Check again', verb: 'checkAgain', data: {} },
      { type: 'Action.OpenUrl', title: 'Open Exchange Connect', url: tabDeepLink(tab) },
    ]);
    expect(tabDeepLink(tab)).toBe(
      'https://teams.microsoft.com/l/entity/7b1c2e0a-5a57-4c43-9a0b-0a8f2f1f6a11/exchangeConnect',
    );
    expect(recoveryCard(recovered, tab, failing).body[0]).toMatchObject({ style: 'good' });
    expect(alertCard({ ...failing, severity: 'warning' }, tab).body[0]).toMatchObject({ style: 'warning' });
  });

  it('the status card says what the tab says: the same headline, and every result in words beside its mark', () => {
    const v = view({
      integration,
      health: { ...health, state: 'healthy' },
      lastResults: [result('token', 'ok'), result('mailbox', 'fail')],
    });
    const card = statusCard(v, tab);
    const json = JSON.stringify(card);
    // Damping keeps health "healthy", but a check just failed: the headline must not say healthy.
    expect(v.status.headline).toBe('degraded');
    expect(card.body[0]).toMatchObject({ style: 'warning' });
    expect(json).toContain(v.status.title);
    expect(json).not.toContain('Healthy');
    expect(json).toContain('✅ Passed · App-only token');
    expect(json).toContain('❌ Failed · Mailbox access');
  });

  it('shows text from Exchange or the store exactly as text, never as markdown (no injected link)', () => {
    const injected = 'Click [here](https://evil.example/phish) to **fix** it';
    const hostile = {
      ...result('mailbox', 'fail'),
      diagnostic: { kind: 'unexpected' as const, code: 'X_[a](b)', message: injected, remediation: injected },
    };
    const card = statusCard(
      view({ integration, health: { ...health, state: 'failing' }, lastResults: [hostile] }),
      tab,
    );
    const alert = alertCard(
      { ...failing, summary: injected, remediation: injected, microsoftCode: 'X_[a](b)' },
      tab,
    );
    for (const c of [card, alert]) {
      const markdownCarriers: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (node && typeof node === 'object') {
          const o = node as Record<string, unknown>;
          if (o.type === 'TextBlock' && typeof o.text === 'string') markdownCarriers.push(o.text);
          if (o.type === 'FactSet') markdownCarriers.push(JSON.stringify(o.facts));
          Object.values(o).forEach(walk);
        }
      };
      walk(c.body);
      expect(markdownCarriers.filter((t) => t.includes('evil.example') || t.includes('[a](b)'))).toEqual([]);
      expect(JSON.stringify(c)).toContain('evil.example'); // still shown, as plain text
      expect(problems(c)).toEqual([]);
    }
  });
});
