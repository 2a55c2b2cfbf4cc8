/** The answer to `status` and to "Check again": the current state and the last run's checks. */
import type { HealthResult, IntegrationHealth } from '../../../api/src/store/health-types';
import type { Integration } from '../../../api/src/store/types';
import {
  adaptiveCard,
  checkAgainAction,
  CHECK_LABELS,
  facts,
  header,
  openTabAction,
  STATE_COLOUR,
  text,
  when,
  type AdaptiveCard,
  type TabLink,
} from './card';

export interface StatusView {
  integration?: Integration;
  health?: IntegrationHealth;
  /** The latest run's results (one per check). */
  lastResults: HealthResult[];
  /** This conversation's mute, if still in force. */
  mutedUntil?: string;
  /** Shown under the headline, e.g. that a requested check is still running. */
  note?: string;
}

const STATUS_ICON = { ok: '✅', warn: '⚠️', fail: '❌' } as const;
const STATE_LABEL = { healthy: 'Healthy', degraded: 'Degraded', failing: 'Failing' } as const;

export function statusCard(view: StatusView, link: TabLink): AdaptiveCard {
  const { integration, health } = view;
  const note = view.note ? [text(view.note, { isSubtle: true })] : [];
  if (!integration) {
    return adaptiveCard(
      [
        header('Exchange is not connected', 'accent'),
        ...note,
        text(
          'Your organisation has not connected Exchange yet. A Global Administrator connects it from the Exchange Connect tab.',
        ),
      ],
      [openTabAction(link)],
    );
  }
  const state = health?.state;
  const checks = view.lastResults.map((r) =>
    text(
      `${STATUS_ICON[r.status]} **${CHECK_LABELS[r.check]}**${r.diagnostic ? ` — ${r.diagnostic.code}: ${r.diagnostic.message}` : ''}`,
      { spacing: 'Small' },
    ),
  );
  return adaptiveCard(
    [
      header(
        state ? `Exchange connection: ${STATE_LABEL[state]}` : 'Exchange connection: not checked yet',
        state ? STATE_COLOUR[state] : 'accent',
      ),
      ...note,
      facts([
        [
          'Method',
          integration.method === 'modern'
            ? 'Exchange Online (modern auth)'
            : 'Exchange Server (service account)',
        ],
        ['Connection', integration.status],
        ['Since', health ? when(health.since) : undefined],
        ['Last checked', health?.lastRunAt ? when(health.lastRunAt) : undefined],
        ['Next check', health ? when(health.nextRunAt) : undefined],
        ['Alerts muted here until', view.mutedUntil ? when(view.mutedUntil) : undefined],
      ]),
      ...(checks.length > 0 ? [text('Last checks', { weight: 'Bolder', spacing: 'Medium' }), ...checks] : []),
    ],
    [checkAgainAction(), openTabAction(link)],
  );
}
