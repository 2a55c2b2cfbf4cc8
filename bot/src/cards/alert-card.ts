/** The cards an outbox alert becomes: a problem alert, or the recovery that closes the incident. */
import type { HealthAlert } from '../../../api/src/store/health-types';
import {
  adaptiveCard,
  checkAgainAction,
  CHECK_LABELS,
  facts,
  header,
  openTabAction,
  plain,
  SEVERITY_COLOUR,
  text,
  when,
  type AdaptiveCard,
  type TabLink,
} from './card';

const SEVERITY_LABEL = { critical: 'Critical', warning: 'Warning', info: 'Information' } as const;

export function alertCard(alert: HealthAlert, link: TabLink): AdaptiveCard {
  return adaptiveCard(
    [
      header(
        alert.title,
        SEVERITY_COLOUR[alert.severity],
        `${SEVERITY_LABEL[alert.severity]} · since ${when(alert.since)}`,
      ),
      plain(alert.summary),
      facts([
        ['Failing check', alert.failingCheck ? CHECK_LABELS[alert.failingCheck] : undefined],
        ['Microsoft error code', alert.microsoftCode],
        ['Since', when(alert.since)],
      ]),
      ...(alert.remediation
        ? [text('What to do', { weight: 'Bolder', spacing: 'Medium' }), plain(alert.remediation)]
        : []),
    ],
    [checkAgainAction(), openTabAction(link)],
  );
}

/**
 * The recovery card. Sent as an update of the original alert's activity when its id is known, so
 * the incident's card itself turns green; `resolved` names what it closes.
 */
export function recoveryCard(alert: HealthAlert, link: TabLink, resolved?: HealthAlert): AdaptiveCard {
  return adaptiveCard(
    [
      header(alert.title, 'good', `Resolved · ${when(alert.since)}`),
      plain(alert.summary),
      ...(resolved
        ? [
            facts([
              ['Was', resolved.title],
              ['Microsoft error code', resolved.microsoftCode],
              ['From', when(resolved.since)],
              ['Until', when(alert.since)],
            ]),
          ]
        : []),
    ],
    [checkAgainAction(), openTabAction(link)],
  );
}
