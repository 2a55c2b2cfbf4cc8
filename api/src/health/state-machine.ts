/**
 * The health state machine: pure, no I/O. From the previous health and one run's check results it
 * gives the next health and at most one alert.
 *
 * - healthy: every check ok. degraded: a warning (certificate within its warning window, rooms
 *   unreachable, throttled). failing: a check failed (token, secret, mailbox, EWS allow list, an
 *   expired certificate).
 * - Damping: failing is entered only after `failuresBeforeFailing` runs in a row observed a failure;
 *   until then the state stays where it was, so a single blip alerts nobody. Leaving failing (or
 *   degraded) alerts once, on the run that observed it.
 * - Certificate thresholds (30/14/7/1 days) alert once each, and only the lowest one crossed since
 *   the last alert: a certificate first seen at 5 days alerts once (7), not three times. A renewed
 *   certificate (beyond the first threshold) re-arms them. A crossing that coincides with another
 *   alert is folded into a degraded alert, or waits for the next run when the alert is about a failure.
 * - Mute is not an input: every change is written to the outbox; the notifier honours the mute, so
 *   the history and the `status` command stay complete.
 */
import { CHECK_LABELS } from './port';
import type { AlertInput } from '../store/health-port';
import type { CheckName, CheckResult, HealthState } from '../store/health-types';
import type { IsoInstant } from '../store/types';

export interface HealthSnapshot {
  state: HealthState;
  since: IsoInstant;
  consecutiveFailures: number;
  failingSince?: IsoInstant;
  certificateThresholdAlerted?: number;
}

export interface StateMachineOptions {
  /** Runs in a row that must observe a failure before the state turns failing. */
  failuresBeforeFailing: number;
  /** Days before certificate expiry that alert, largest first. */
  certificateThresholdsDays: readonly number[];
}

export const DEFAULT_STATE_MACHINE_OPTIONS: StateMachineOptions = {
  failuresBeforeFailing: 2,
  certificateThresholdsDays: [30, 14, 7, 1],
};

export type AlertDraft = Omit<AlertInput, 'tenantId' | 'integrationId'>;

export interface Evaluation {
  next: HealthSnapshot;
  alert?: AlertDraft;
}

/** The order a failing or warning check is named in an alert: the most telling first. */
const CHECK_PRIORITY: readonly CheckName[] = [
  'token',
  'secret',
  'ewsAllowList',
  'mailbox',
  'rooms',
  'certificate',
];

export function observedState(results: readonly CheckResult[]): HealthState {
  if (results.some((r) => r.status === 'fail')) return 'failing';
  if (results.some((r) => r.status === 'warn')) return 'degraded';
  return 'healthy';
}

function first(results: readonly CheckResult[], status: CheckResult['status']): CheckResult | undefined {
  return CHECK_PRIORITY.map((name) => results.find((r) => r.check === name && r.status === status)).find(
    (r) => r !== undefined,
  );
}

function certificateDaysLeft(results: readonly CheckResult[]): number | undefined {
  const days = results.find((r) => r.check === 'certificate')?.detail?.['daysLeft'];
  return typeof days === 'number' ? days : undefined;
}

/** The lowest threshold at or above `daysLeft`; undefined beyond the first one or once expired. */
function crossedThreshold(daysLeft: number, thresholds: readonly number[]): number | undefined {
  if (daysLeft < 0) return undefined;
  const crossed = thresholds.filter((t) => daysLeft <= t);
  return crossed.length === 0 ? undefined : Math.min(...crossed);
}

function certificateText(daysLeft: number): { title: string; remediation: string } {
  const when = daysLeft < 1 ? 'within a day' : `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
  return {
    title: `Exchange Connect's certificate expires ${when}`,
    remediation:
      'The Exchange Connect operators must register a renewed certificate on the app registration and deploy it before it expires; no action is needed in your tenant.',
  };
}

function problemAlert(
  kind: 'failing' | 'degraded',
  check: CheckResult,
  since: IsoInstant,
  daysLeft: number | undefined,
): AlertDraft {
  const label = CHECK_LABELS[check.check];
  const d = check.diagnostic;
  // A certificate warning carries no Microsoft diagnostic: say when it expires and who acts.
  const certificate = !d && check.check === 'certificate' ? certificateText(daysLeft ?? 0) : undefined;
  return {
    kind,
    severity: kind === 'failing' ? 'critical' : 'warning',
    title:
      kind === 'failing' ? `Exchange connection failing: ${label}` : `Exchange connection degraded: ${label}`,
    summary: d?.message ?? (certificate ? `${certificate.title}.` : `${label} needs attention.`),
    failingCheck: check.check,
    ...(d ? { microsoftCode: d.code, remediation: d.remediation } : {}),
    ...(certificate ? { remediation: certificate.remediation } : {}),
    since,
  };
}

export function evaluateHealth(
  previous: HealthSnapshot,
  results: readonly CheckResult[],
  now: IsoInstant,
  options: StateMachineOptions = DEFAULT_STATE_MACHINE_OPTIONS,
): Evaluation {
  const observed = observedState(results);
  const daysLeft = certificateDaysLeft(results);
  const crossed =
    daysLeft === undefined ? undefined : crossedThreshold(daysLeft, options.certificateThresholdsDays);
  const alerted =
    daysLeft !== undefined && crossed === undefined && daysLeft >= 0
      ? undefined
      : previous.certificateThresholdAlerted;
  const newCrossing = crossed !== undefined && (alerted === undefined || crossed < alerted);

  const keep = { certificateThresholdAlerted: alerted };
  const settle = (next: HealthSnapshot, alert?: AlertDraft): Evaluation => {
    const { certificateThresholdAlerted, failingSince, ...rest } = next;
    const clean: HealthSnapshot = {
      ...rest,
      ...(failingSince !== undefined ? { failingSince } : {}),
      ...(certificateThresholdAlerted !== undefined ? { certificateThresholdAlerted } : {}),
    };
    return alert ? { next: clean, alert } : { next: clean };
  };
  const certificateAlert = (since: IsoInstant): AlertDraft => {
    const text = certificateText(daysLeft ?? 0);
    return {
      kind: 'certificate_expiring',
      severity: (daysLeft ?? 0) <= 7 ? 'critical' : 'warning',
      title: text.title,
      summary: `${text.title}. Exchange Online connections stop working when it does.`,
      failingCheck: 'certificate',
      remediation: text.remediation,
      since,
    };
  };
  /** No state change: only a new certificate crossing may alert. */
  const unchanged = (base: HealthSnapshot): Evaluation =>
    newCrossing
      ? settle({ ...base, certificateThresholdAlerted: crossed }, certificateAlert(base.since))
      : settle({ ...base, ...keep });

  if (observed === 'failing') {
    const failingSince = previous.failingSince ?? now;
    const consecutiveFailures = previous.consecutiveFailures + 1;
    const streak = { consecutiveFailures, failingSince };
    if (previous.state === 'failing' || consecutiveFailures < options.failuresBeforeFailing) {
      return unchanged({ ...previous, ...streak });
    }
    const failed = first(results, 'fail');
    const next: HealthSnapshot = { ...previous, ...streak, ...keep, state: 'failing', since: failingSince };
    return settle(next, failed ? problemAlert('failing', failed, failingSince, daysLeft) : undefined);
  }

  const calm: HealthSnapshot = { ...previous, consecutiveFailures: 0, failingSince: undefined };
  if (observed === previous.state) return unchanged(calm);

  if (observed === 'healthy') {
    return settle(
      { ...calm, ...keep, state: 'healthy', since: now },
      {
        kind: 'recovered',
        severity: 'info',
        title: 'Exchange connection recovered',
        summary: `Every check passes again${previous.state === 'failing' ? '; the failure is over' : ''}.`,
        since: now,
      },
    );
  }

  // Entering degraded: a certificate crossing is this alert's news, not a second one.
  const warned = first(results, 'warn');
  const onlyCertificate = results.filter((r) => r.status === 'warn').every((r) => r.check === 'certificate');
  const next: HealthSnapshot = {
    ...calm,
    state: 'degraded',
    since: now,
    certificateThresholdAlerted: newCrossing ? crossed : alerted,
  };
  if (newCrossing && onlyCertificate) return settle(next, certificateAlert(now));
  const alert = warned ? problemAlert('degraded', warned, now, daysLeft) : undefined;
  if (alert && newCrossing) alert.summary += ` ${certificateText(daysLeft ?? 0).title}.`;
  return settle(next, alert);
}
