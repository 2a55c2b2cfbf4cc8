/**
 * The health state machine: pure, no I/O. From the previous health and one run's check results it
 * gives the next health and at most one alert.
 *
 * - healthy: every check ok. degraded: a warning (a countdown within its window, rooms
 *   unreachable, throttled). failing: a check failed (token, secret, mailbox, EWS allow list, the
 *   room-only scope, an expired certificate, EWS retired).
 * - Damping: a worse state is entered only after `failuresBeforeFailing` runs in a row observed a
 *   failure, and degraded only after `warningsBeforeDegraded` runs in a row observed a problem;
 *   until then the state stays where it was, so a single blip alerts nobody. A countdown warning
 *   is certain, not a blip, and is not damped. Getting better (to degraded, or healthy) alerts
 *   once, on the run that observed it.
 * - Countdowns (the certificate's expiry: 30/14/7/1 days; EWS in Exchange Online's end: 90/30/7/1
 *   days) alert once per threshold, and only the lowest one crossed since the last alert: a
 *   certificate first seen at 5 days alerts once (7), not three times. A renewed certificate (or a
 *   connection moved off EWS) re-arms them. A crossing that coincides with another alert is folded
 *   into a degraded alert, or waits for the next run when the alert is about a failure.
 * - Mute is not an input: every change is written to the outbox; the notifier honours the mute, so
 *   the history and the `status` command stay complete.
 */
import { CHECK_LABELS } from './port';
import { EWS_SHUTDOWN_DATE } from '../powershell-commands';
import type { AlertInput } from '../store/health-port';
import type { AlertKind, CheckName, CheckResult, HealthState } from '../store/health-types';
import type { IsoInstant } from '../store/types';

export interface HealthSnapshot {
  state: HealthState;
  since: IsoInstant;
  consecutiveFailures: number;
  /** Runs in a row that observed a problem (a warning or a failure). */
  consecutiveWarnings?: number;
  failingSince?: IsoInstant;
  certificateThresholdAlerted?: number;
  ewsRetirementThresholdAlerted?: number;
}

export interface StateMachineOptions {
  /** Runs in a row that must observe a failure before the state turns failing. */
  failuresBeforeFailing: number;
  /** Runs in a row that must observe a problem before the state turns degraded. */
  warningsBeforeDegraded: number;
  /** Days before certificate expiry that alert, largest first. */
  certificateThresholdsDays: readonly number[];
  /** Days before EWS in Exchange Online ends that alert, largest first. */
  ewsRetirementThresholdsDays: readonly number[];
}

export const DEFAULT_STATE_MACHINE_OPTIONS: StateMachineOptions = {
  failuresBeforeFailing: 2,
  warningsBeforeDegraded: 2,
  certificateThresholdsDays: [30, 14, 7, 1],
  ewsRetirementThresholdsDays: [90, 30, 7, 1],
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
  'ewsRetirement',
  'mailbox',
  'scope',
  'rooms',
  'certificate',
];

type ThresholdField = 'certificateThresholdAlerted' | 'ewsRetirementThresholdAlerted';

/** A deadline a check counts down to, with the thresholds that alert and what they say. */
interface Countdown {
  check: 'certificate' | 'ewsRetirement';
  field: ThresholdField;
  alertKind: Extract<AlertKind, 'certificate_expiring' | 'ews_retiring'>;
  thresholds: (options: StateMachineOptions) => readonly number[];
  text(daysLeft: number): { title: string; summary: string; remediation: string };
}

const inDays = (daysLeft: number) =>
  daysLeft < 1 ? 'within a day' : `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;

const COUNTDOWNS: readonly Countdown[] = [
  {
    check: 'certificate',
    field: 'certificateThresholdAlerted',
    alertKind: 'certificate_expiring',
    thresholds: (o) => o.certificateThresholdsDays,
    text: (daysLeft) => {
      const title = `Exchange Connect's certificate expires ${inDays(daysLeft)}`;
      return {
        title,
        summary: `${title}. Exchange Online connections stop working when it does.`,
        remediation:
          'The Exchange Connect operators must register a renewed certificate on the app registration and deploy it before it expires; no action is needed in your tenant.',
      };
    },
  },
  {
    check: 'ewsRetirement',
    field: 'ewsRetirementThresholdAlerted',
    alertKind: 'ews_retiring',
    thresholds: (o) => o.ewsRetirementThresholdsDays,
    text: (daysLeft) => {
      const title = `Move to Microsoft Graph: EWS in Exchange Online ends ${inDays(daysLeft)}`;
      return {
        title,
        summary: `${title} (${EWS_SHUTDOWN_DATE}). This connection still uses EWS and stops working then.`,
        remediation:
          'In the Exchange Connect tab choose "Move to Microsoft Graph", grant admin consent for the Graph permissions, and verify: one step, no password.',
      };
    },
  },
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

function daysLeftOf(results: readonly CheckResult[], check: CheckName): number | undefined {
  const days = results.find((r) => r.check === check)?.detail?.['daysLeft'];
  return typeof days === 'number' ? days : undefined;
}

/** The lowest threshold at or above `daysLeft`; undefined beyond the first one or once passed. */
function crossedThreshold(daysLeft: number, thresholds: readonly number[]): number | undefined {
  if (daysLeft < 0) return undefined;
  const crossed = thresholds.filter((t) => daysLeft <= t);
  return crossed.length === 0 ? undefined : Math.min(...crossed);
}

/** One countdown in this run: the threshold marker to keep, and a crossing not alerted yet. */
interface CountdownRun {
  countdown: Countdown;
  daysLeft?: number;
  /** The marker after this run, before any new crossing is recorded. */
  kept?: number;
  /** A threshold crossed below the last one alerted. */
  crossing?: number;
}

function countdownRuns(
  previous: HealthSnapshot,
  results: readonly CheckResult[],
  options: StateMachineOptions,
): CountdownRun[] {
  return COUNTDOWNS.map((countdown) => {
    const daysLeft = daysLeftOf(results, countdown.check);
    const before = previous[countdown.field];
    if (daysLeft === undefined) return { countdown, ...(before !== undefined ? { kept: before } : {}) };
    const crossed = crossedThreshold(daysLeft, countdown.thresholds(options));
    // Beyond the first threshold again (renewed): re-armed.
    const kept = crossed === undefined && daysLeft >= 0 ? undefined : before;
    const crossing = crossed !== undefined && (kept === undefined || crossed < kept) ? crossed : undefined;
    return {
      countdown,
      daysLeft,
      ...(kept !== undefined ? { kept } : {}),
      ...(crossing !== undefined ? { crossing } : {}),
    };
  });
}

function countdownAlert(run: CountdownRun, since: IsoInstant): AlertDraft {
  const daysLeft = run.daysLeft ?? 0;
  const text = run.countdown.text(daysLeft);
  return {
    kind: run.countdown.alertKind,
    severity: daysLeft <= 7 ? 'critical' : 'warning',
    title: text.title,
    summary: text.summary,
    failingCheck: run.countdown.check,
    remediation: text.remediation,
    since,
  };
}

function problemAlert(
  kind: 'failing' | 'degraded',
  check: CheckResult,
  since: IsoInstant,
  countdowns: readonly CountdownRun[],
): AlertDraft {
  const label = CHECK_LABELS[check.check];
  const d = check.diagnostic;
  // A countdown warning carries no Microsoft diagnostic: say when, and who acts.
  const countdown = d ? undefined : countdowns.find((c) => c.countdown.check === check.check);
  const text = countdown ? countdown.countdown.text(countdown.daysLeft ?? 0) : undefined;
  return {
    kind,
    severity: kind === 'failing' ? 'critical' : 'warning',
    title:
      kind === 'failing' ? `Exchange connection failing: ${label}` : `Exchange connection degraded: ${label}`,
    summary: d?.message ?? (text ? `${text.title}.` : `${label} needs attention.`),
    failingCheck: check.check,
    ...(d ? { microsoftCode: d.code, remediation: d.remediation } : {}),
    ...(text ? { remediation: text.remediation } : {}),
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
  const countdowns = countdownRuns(previous, results, options);
  const crossings = countdowns.filter((c) => c.crossing !== undefined);
  // The most urgent crossing speaks for this run.
  const urgent = [...crossings].sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0))[0];

  /** Markers as kept, or (`record`) with this run's crossings recorded. */
  const markers = (record: boolean): Partial<Record<ThresholdField, number>> =>
    Object.fromEntries(
      countdowns.flatMap((c) => {
        const value = record && c.crossing !== undefined ? c.crossing : c.kept;
        return value === undefined ? [] : [[c.countdown.field, value]];
      }),
    );
  const settle = (next: HealthSnapshot, record: boolean, alert?: AlertDraft): Evaluation => {
    const {
      certificateThresholdAlerted: _c,
      ewsRetirementThresholdAlerted: _e,
      failingSince,
      consecutiveWarnings,
      ...rest
    } = next;
    const clean: HealthSnapshot = {
      ...rest,
      ...(failingSince !== undefined ? { failingSince } : {}),
      ...(consecutiveWarnings ? { consecutiveWarnings } : {}),
      ...markers(record),
    };
    return alert ? { next: clean, alert } : { next: clean };
  };
  /** No state change: only a new countdown crossing may alert. */
  const unchanged = (base: HealthSnapshot): Evaluation =>
    urgent ? settle(base, true, countdownAlert(urgent, base.since)) : settle(base, false);

  const warnings = observed === 'healthy' ? 0 : (previous.consecutiveWarnings ?? 0) + 1;

  if (observed === 'failing') {
    const failingSince = previous.failingSince ?? now;
    const consecutiveFailures = previous.consecutiveFailures + 1;
    const streak = { consecutiveFailures, failingSince, consecutiveWarnings: warnings };
    if (previous.state === 'failing' || consecutiveFailures < options.failuresBeforeFailing) {
      return unchanged({ ...previous, ...streak });
    }
    const failed = first(results, 'fail');
    const next: HealthSnapshot = { ...previous, ...streak, state: 'failing', since: failingSince };
    return settle(
      next,
      false,
      failed ? problemAlert('failing', failed, failingSince, countdowns) : undefined,
    );
  }

  const calm: HealthSnapshot = {
    ...previous,
    consecutiveFailures: 0,
    failingSince: undefined,
    consecutiveWarnings: warnings,
  };
  if (observed === previous.state) return unchanged(calm);

  if (observed === 'healthy') {
    return settle({ ...calm, state: 'healthy', since: now }, false, {
      kind: 'recovered',
      severity: 'info',
      title: 'Exchange connection recovered',
      summary: `Every check passes again${previous.state === 'failing' ? '; the failure is over' : ''}.`,
      since: now,
    });
  }

  // Degraded observed: from failing it is better news at once; from healthy it must repeat, unless
  // every warning is a countdown (certain, not a blip).
  const warned = results.filter((r) => r.status === 'warn');
  const onlyCountdowns = warned.every((r) => COUNTDOWNS.some((c) => c.check === r.check));
  if (previous.state === 'healthy' && !onlyCountdowns && warnings < options.warningsBeforeDegraded) {
    return unchanged(calm);
  }
  const next: HealthSnapshot = { ...calm, state: 'degraded', since: now };
  if (urgent && onlyCountdowns) return settle(next, true, countdownAlert(urgent, now));
  const top = first(results, 'warn');
  const alert = top ? problemAlert('degraded', top, now, countdowns) : undefined;
  if (alert && urgent) {
    for (const c of crossings) alert.summary += ` ${c.countdown.text(c.daysLeft ?? 0).title}.`;
  }
  return settle(next, true, alert);
}
