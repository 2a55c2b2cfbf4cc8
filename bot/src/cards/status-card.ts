/**
 * The answer to `status` and to "Check again": the one connection status the tab shows (its
 * headline, cause and notes), then the last run's checks, each with its result in words.
 */
import type { ConnectionStatus, Tone } from '../../../api/src/status/port';
import type { HealthResult, IntegrationHealth } from '../../../api/src/store/health-types';
import type { Integration } from '../../../api/src/store/types';
import {
  adaptiveCard,
  checkAgainAction,
  CHECK_LABELS,
  facts,
  header,
  openTabAction,
  plain,
  text,
  when,
  type AdaptiveCard,
  type TabLink,
} from './card';

export interface StatusView {
  status: ConnectionStatus;
  integration?: Integration;
  health?: IntegrationHealth;
  /** The latest run's results, in the order they ran. */
  lastResults: HealthResult[];
  /** This conversation's mute, if still in force. */
  mutedUntil?: string;
  /** Shown under the headline, e.g. that a requested check is still running. */
  note?: string;
}

const TONE_STYLE: Record<Tone, 'attention' | 'warning' | 'good' | 'accent'> = {
  danger: 'attention',
  warning: 'warning',
  success: 'good',
  neutral: 'accent',
};

/** Text beside every mark: colour and emoji alone say nothing to a screen reader. */
const RESULT_TEXT = { ok: '✅ Passed', warn: '⚠️ Warning', fail: '❌ Failed' } as const;

export function statusCard(view: StatusView, link: TabLink): AdaptiveCard {
  const { status, integration, health } = view;
  const note = view.note ? [plain(view.note, { isSubtle: true })] : [];
  const cause = status.cause
    ? [
        text('What is wrong', { weight: 'Bolder', spacing: 'Medium' }),
        facts([
          ['Check', status.cause.label],
          ['Microsoft error code', status.cause.code],
        ]),
        plain(status.cause.message),
        text('What to do', { weight: 'Bolder', spacing: 'Medium' }),
        plain(status.cause.remediation),
      ]
    : [];
  const notes = status.notes.map((n) => plain(n.text, { spacing: 'Small' }));
  const checks = view.lastResults.map((r) =>
    plain(
      `${RESULT_TEXT[r.status]} · ${CHECK_LABELS[r.check]}${r.diagnostic ? ` — ${r.diagnostic.code}: ${r.diagnostic.message}` : ''}`,
      { spacing: 'Small' },
    ),
  );
  return adaptiveCard(
    [
      header(status.title, TONE_STYLE[status.tone], status.summary),
      ...note,
      ...(integration
        ? [
            facts([
              ['Connection', status.connection],
              ['Verified with', integration.verificationMailbox ?? integration.verifiedMailbox],
              ['Last checked', health?.lastRunAt ? when(health.lastRunAt) : undefined],
              ['Next check', health ? when(health.nextRunAt) : undefined],
              ['App certificate expires', status.certificate ? when(status.certificate.notAfter) : undefined],
              ['Alerts muted here until', view.mutedUntil ? when(view.mutedUntil) : undefined],
            ]),
          ]
        : [
            text(
              'Your organisation has not connected Exchange yet. A Global Administrator connects it from the Exchange Connect tab.',
            ),
          ]),
      ...cause,
      ...notes,
      ...(checks.length > 0 ? [text('Last checks', { weight: 'Bolder', spacing: 'Medium' }), ...checks] : []),
    ],
    integration ? [checkAgainAction(), openTabAction(link)] : [openTabAction(link)],
  );
}
