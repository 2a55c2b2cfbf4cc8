/** The health state machine, run by run: damping, recovery once, certificate thresholds once each. */
import {
  DEFAULT_STATE_MACHINE_OPTIONS,
  evaluateHealth,
  observedState,
  type HealthSnapshot,
  type StateMachineOptions,
} from '../../api/src/health/state-machine';
import type { CheckResult } from '../../api/src/store/health-types';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const at = (run: number) => new Date(T0 + run * 15 * 60_000).toISOString();

const ok = (check: CheckResult['check']): CheckResult => ({ check, status: 'ok', durationMs: 1 });
const cert = (daysLeft: number): CheckResult => ({
  check: 'certificate',
  status: daysLeft < 0 ? 'fail' : daysLeft <= 30 ? 'warn' : 'ok',
  detail: { daysLeft, notAfter: '2027-01-01T00:00:00.000Z' },
  ...(daysLeft < 0
    ? {
        diagnostic: {
          kind: 'certificate_expired',
          code: 'CertificateExpired',
          message: 'expired',
          remediation: 'renew',
        },
      }
    : {}),
  durationMs: 0,
});
const tokenFails: CheckResult = {
  check: 'token',
  status: 'fail',
  diagnostic: {
    kind: 'consent_missing',
    code: 'AADSTS7000229',
    message: 'Consent was revoked.',
    remediation: 'Grant admin consent again.',
  },
  durationMs: 3,
};
const roomsWarn: CheckResult = {
  check: 'rooms',
  status: 'warn',
  diagnostic: {
    kind: 'throttled',
    code: 'ErrorServerBusy',
    message: 'Busy.',
    remediation: 'Wait.',
    retryAfterMs: 5000,
  },
  durationMs: 3,
};

const HEALTHY = [cert(200), ok('token'), ok('mailbox'), ok('ewsAllowList'), ok('rooms')];
const FAILING = [cert(200), tokenFails];
const DEGRADED = [cert(200), ok('token'), ok('mailbox'), ok('ewsAllowList'), roomsWarn];
const withCert = (days: number, results = HEALTHY) =>
  results.map((r) => (r.check === 'certificate' ? cert(days) : r));

const START: HealthSnapshot = { state: 'healthy', since: at(-1), consecutiveFailures: 0 };

/** Feeds runs in order; returns the state and alert kind after each. */
function play(runs: CheckResult[][], options?: StateMachineOptions, start = START) {
  let health = start;
  return runs.map((results, i) => {
    const { next, alert } = evaluateHealth(health, results, at(i), options);
    health = next;
    return { state: next.state, alert: alert?.kind, next, draft: alert };
  });
}
const states = (r: ReturnType<typeof play>) => r.map((x) => `${x.state}${x.alert ? `!${x.alert}` : ''}`);

describe('observedState', () => {
  it.each([
    ['all ok', HEALTHY, 'healthy'],
    ['a throttled room', DEGRADED, 'degraded'],
    ['the token failing', FAILING, 'failing'],
    ['a failure among warnings', [...DEGRADED, tokenFails], 'failing'],
    ['a certificate within 30 days', withCert(20), 'degraded'],
    ['an expired certificate', withCert(-1), 'failing'],
  ] as const)('%s → %s', (_name, results, expected) => {
    expect(observedState(results)).toBe(expected);
  });
});

describe('transition table (damping 2)', () => {
  const runs = { healthy: HEALTHY, degraded: DEGRADED, failing: FAILING } as const;
  it.each([
    // previous state, problems already in a row, observed → next state, alert
    ['healthy', 0, 'healthy', 'healthy', undefined],
    // A single degraded run is a blip, damped like a failure; the second in a row alerts.
    ['healthy', 0, 'degraded', 'healthy', undefined],
    ['healthy', 0, 'failing', 'healthy', undefined],
    ['healthy', 1, 'failing', 'failing', 'failing'],
    ['healthy', 1, 'healthy', 'healthy', undefined],
    ['healthy', 1, 'degraded', 'degraded', 'degraded'],
    ['degraded', 0, 'healthy', 'healthy', 'recovered'],
    ['degraded', 0, 'degraded', 'degraded', undefined],
    ['degraded', 0, 'failing', 'degraded', undefined],
    ['degraded', 1, 'failing', 'failing', 'failing'],
    ['degraded', 1, 'healthy', 'healthy', 'recovered'],
    ['failing', 0, 'failing', 'failing', undefined],
    ['failing', 3, 'failing', 'failing', undefined],
    ['failing', 3, 'degraded', 'degraded', 'degraded'],
    ['failing', 3, 'healthy', 'healthy', 'recovered'],
  ] as const)(
    '%s with %i failure(s), observed %s → %s, alert %s',
    (state, failures, observed, nextState, alertKind) => {
      const previous: HealthSnapshot = {
        state,
        since: at(-5),
        consecutiveFailures: failures,
        ...(failures > 0 ? { failingSince: at(-5), consecutiveWarnings: failures } : {}),
      };
      const { next, alert } = evaluateHealth(previous, runs[observed], at(0));
      expect(next.state).toBe(nextState);
      expect(alert?.kind).toBe(alertKind);
      expect(next.consecutiveFailures).toBe(observed === 'failing' ? failures + 1 : 0);
      expect(next.since).toBe(
        nextState === state
          ? previous.since
          : observed === 'failing'
            ? (previous.failingSince ?? at(0))
            : at(0),
      );
    },
  );
});

describe('evaluateHealth', () => {
  it('stays healthy silently while everything passes', () => {
    expect(states(play([HEALTHY, HEALTHY, HEALTHY]))).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('ignores a single failure (damping) and alerts failing once on the second run in a row', () => {
    const r = play([FAILING, HEALTHY, FAILING, FAILING, FAILING, FAILING]);
    expect(states(r)).toEqual(['healthy', 'healthy', 'healthy', 'failing!failing', 'failing', 'failing']);
    expect(r[2]?.next.consecutiveFailures).toBe(1);
    expect(r[1]?.next.consecutiveFailures).toBe(0);
    // The incident began with the first failure of the streak.
    expect(r[3]?.next.since).toBe(at(2));
    expect(r[3]?.draft).toEqual({
      kind: 'failing',
      severity: 'critical',
      title: 'Exchange connection failing: App-only token',
      summary: 'Consent was revoked.',
      failingCheck: 'token',
      microsoftCode: 'AADSTS7000229',
      remediation: 'Grant admin consent again.',
      since: at(2),
    });
  });

  it('honours a configured damping of 3 runs, and 1 (no damping)', () => {
    const three = { ...DEFAULT_STATE_MACHINE_OPTIONS, failuresBeforeFailing: 3 };
    expect(states(play([FAILING, FAILING, FAILING], three))).toEqual([
      'healthy',
      'healthy',
      'failing!failing',
    ]);
    const one = { ...DEFAULT_STATE_MACHINE_OPTIONS, failuresBeforeFailing: 1 };
    expect(states(play([FAILING], one))).toEqual(['failing!failing']);
  });

  it('alerts a recovery once, then nothing', () => {
    const r = play([FAILING, FAILING, HEALTHY, HEALTHY]);
    expect(states(r)).toEqual(['healthy', 'failing!failing', 'healthy!recovered', 'healthy']);
    expect(r[2]?.draft).toMatchObject({ severity: 'info', since: at(2) });
    expect(r[2]?.next).toEqual({ state: 'healthy', since: at(2), consecutiveFailures: 0 });
  });

  it('goes healthy → degraded → failing → degraded → healthy with one alert per change', () => {
    expect(states(play([DEGRADED, DEGRADED, FAILING, FAILING, DEGRADED, HEALTHY]))).toEqual([
      'healthy',
      'degraded!degraded',
      'degraded',
      'failing!failing',
      'degraded!degraded',
      'healthy!recovered',
    ]);
  });

  it('damps degraded: one degraded run between healthy ones alerts nobody', () => {
    expect(states(play([DEGRADED, HEALTHY, DEGRADED, HEALTHY]))).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
    const r = play([DEGRADED, DEGRADED]);
    expect(r[0]?.next.consecutiveWarnings).toBe(1);
    expect(r[1]?.alert).toBe('degraded');
  });

  it('names the throttled check of a degraded run with its code', () => {
    const [, second] = play([DEGRADED, DEGRADED]);
    expect(second?.draft).toMatchObject({
      kind: 'degraded',
      severity: 'warning',
      failingCheck: 'rooms',
      microsoftCode: 'ErrorServerBusy',
    });
  });

  it('alerts each certificate threshold 30/14/7/1 once, as the days go by', () => {
    const days = [45, 31, 30, 29, 20, 14, 13, 8, 7, 6, 2, 1, 0];
    const r = play(days.map((d) => withCert(d)));
    expect(r.map((x, i) => `${days[i]}:${x.alert ?? ''}`)).toEqual([
      '45:',
      '31:',
      '30:certificate_expiring',
      '29:',
      '20:',
      '14:certificate_expiring',
      '13:',
      '8:',
      '7:certificate_expiring',
      '6:',
      '2:',
      '1:certificate_expiring',
      '0:',
    ]);
    expect(r[2]?.state).toBe('degraded');
    expect(r[2]?.draft).toMatchObject({
      severity: 'warning',
      title: "Exchange Connect's certificate expires in 30 days",
    });
    expect(r[8]?.draft?.severity).toBe('critical');
    expect(r.at(-1)?.next.certificateThresholdAlerted).toBe(1);
  });

  it('alerts only the lowest threshold when a certificate is first seen close to expiry', () => {
    expect(play([withCert(5), withCert(4)]).map((x) => x.alert)).toEqual(['certificate_expiring', undefined]);
  });

  it('re-arms the thresholds once the certificate is renewed', () => {
    const r = play([withCert(10), withCert(400), withCert(30)]);
    expect(r.map((x) => x.alert)).toEqual(['certificate_expiring', 'recovered', 'certificate_expiring']);
    expect(r[1]?.next.certificateThresholdAlerted).toBeUndefined();
  });

  it('folds a crossing into a degraded alert caused by something else too', () => {
    const [, second] = play([withCert(15, DEGRADED), withCert(14, DEGRADED)]);
    expect(second?.draft?.kind).toBe('degraded');
    expect(second?.draft?.summary).toContain('certificate expires in 14 days');
    expect(second?.next.certificateThresholdAlerted).toBe(14);
  });

  it('lets a crossing during an incident wait one run behind the failing alert, never lost', () => {
    const r = play([withCert(40, FAILING), withCert(30, FAILING), withCert(29, FAILING)]);
    expect(r.map((x) => x.alert)).toEqual([undefined, 'failing', 'certificate_expiring']);
  });

  it('treats an expired certificate as a (damped) failure', () => {
    expect(states(play([withCert(-1), withCert(-2)]))).toEqual(['healthy', 'failing!failing']);
  });

  it('starts from failing without alerting again (an integration whose verification failed)', () => {
    const start: HealthSnapshot = {
      state: 'failing',
      since: at(-1),
      consecutiveFailures: 0,
      failingSince: at(-1),
    };
    expect(states(play([FAILING, FAILING, HEALTHY], undefined, start))).toEqual([
      'failing',
      'failing',
      'healthy!recovered',
    ]);
  });

  it('keeps the certificate state of a Basic integration, which has no certificate check', () => {
    const basic: CheckResult[] = [ok('secret'), ok('mailbox')];
    const start = { ...START, certificateThresholdAlerted: 14 };
    expect(play([basic], undefined, start)[0]?.next.certificateThresholdAlerted).toBe(14);
  });

  const ews = (daysLeft: number): CheckResult => ({
    check: 'ewsRetirement',
    status: daysLeft <= 0 ? 'fail' : daysLeft <= 90 ? 'warn' : 'ok',
    detail: { endsOn: '2027-04-01', daysLeft },
    ...(daysLeft <= 0
      ? {
          diagnostic: {
            kind: 'ews_retired',
            code: 'EwsRetired',
            message: 'EWS is off.',
            remediation: 'Move to Graph.',
          },
        }
      : {}),
    durationMs: 0,
  });
  const withEws = (days: number) => [...HEALTHY, ews(days)];

  it('counts down to the end of EWS in Exchange Online: 90, 30, 7 and 1 days, once each, then ended', () => {
    const days = [121, 91, 90, 89, 31, 30, 8, 7, 2, 1, 0, -1];
    const r = play(days.map(withEws));
    expect(r.map((x, i) => `${days[i]}:${x.state}${x.alert ? `!${x.alert}` : ''}`)).toEqual([
      '121:healthy',
      '91:healthy',
      '90:degraded!ews_retiring',
      '89:degraded',
      '31:degraded',
      '30:degraded!ews_retiring',
      '8:degraded',
      '7:degraded!ews_retiring',
      '2:degraded',
      '1:degraded!ews_retiring',
      // Ended: a failure like any other, confirmed on the second run.
      '0:degraded',
      '-1:failing!failing',
    ]);
    expect(r[2]?.draft).toMatchObject({
      kind: 'ews_retiring',
      severity: 'warning',
      failingCheck: 'ewsRetirement',
      title: 'Move to Microsoft Graph: EWS in Exchange Online ends in 90 days',
    });
    expect(r[2]?.draft?.remediation).toContain('Move to Microsoft Graph');
    expect(r[7]?.draft?.severity).toBe('critical');
    expect(r[11]?.draft).toMatchObject({ failingCheck: 'ewsRetirement', microsoftCode: 'EwsRetired' });
  });

  it('a connection moved to Microsoft Graph (no EWS check any more) recovers from the countdown', () => {
    const r = play([withEws(30), HEALTHY]);
    expect(states(r)).toEqual(['degraded!ews_retiring', 'healthy!recovered']);
  });

  it('alerts the more urgent countdown when both cross in one run, and records both', () => {
    const [first] = play([[...withCert(7), ews(30)]]);
    expect(first?.draft).toMatchObject({ kind: 'certificate_expiring' });
    expect(first?.next).toMatchObject({ certificateThresholdAlerted: 7, ewsRetirementThresholdAlerted: 30 });
  });
});
