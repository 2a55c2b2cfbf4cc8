/**
 * The health checks of one integration. Each runs under its own timeout and reports
 * {check, status, diagnostic?, detail?, durationMs}; a timed-out check is a failed check of kind
 * `timeout`, a throttled one a warning carrying `retryAfterMs`. Checks that cannot run because an
 * earlier one failed (no token, no password, mailbox not opened) are left out of the run.
 */
import { X509Certificate } from 'node:crypto';
import { diagnosticOf as converted, type Diagnostic, type UnexpectedErrorReport } from '../errors';
import { EWS_SHUTDOWN_DATE, remediationFor, roomRemediation, type RemediationContext } from '../remediation';
import { daysUntilEwsEnds } from '../powershell-commands';
import {
  openConnection,
  protocolOf,
  type ConnectionDeps,
  type FailedConnection,
  type OpenedConnection,
  type StageResult,
} from '../exchange/open-connection';
import type { MailboxAccess } from '../exchange/port';
import { checkRooms, findRooms } from '../exchange/rooms';
import { probeRoomScope } from '../exchange/room-scope-probe';
import type { CheckName, CheckResult, CheckStatus } from '../store/health-types';
import type { Integration, JsonObject } from '../store/types';
import { TimeoutError, withTimeout, type Timers } from './timers';
import { untilAborted } from '../abort';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface HealthCheckDeps extends ConnectionDeps {
  /** Our app certificate (PEM): its notAfter drives the certificate check. */
  appCertificatePem: string;
  timers: Timers;
}

/** Checks that wait on the network; the certificate and allow-list checks are computed locally. */
type TimedCheck = Exclude<CheckName, 'certificate' | 'ewsAllowList' | 'ewsRetirement'>;

export interface HealthCheckOptions {
  timeoutsMs: Record<TimedCheck, number>;
  /** The certificate check warns from this many days before expiry. */
  certificateWarnDays: number;
  /** An Exchange Online EWS connection warns from this many days before EWS is switched off. */
  ewsRetirementWarnDays: number;
  /** Rooms checked per run; the sample rotates through all rooms across runs. */
  roomSampleSize: number;
  /** The CalendarView window each sampled room is read over. */
  roomWindowMs: number;
}

export const DEFAULT_HEALTH_CHECK_OPTIONS: HealthCheckOptions = {
  timeoutsMs: { token: 30_000, secret: 20_000, mailbox: 45_000, rooms: 60_000, scope: 30_000 },
  certificateWarnDays: 30,
  ewsRetirementWarnDays: 90,
  roomSampleSize: 5,
  roomWindowMs: DAY_MS,
};

export interface HealthCheckInput {
  integration: Integration;
  /** The mailbox the mailbox check opens (a room the platform uses); skipped without one. */
  mailbox?: string;
  /**
   * The mailbox verifications open, when it is not `mailbox`: the admin's, who may leave. Its
   * disappearance is reported in the mailbox check's detail, never as a failure.
   */
  verificationMailbox?: string;
  /** Room addresses from the latest verification; listed from Exchange when undefined. */
  knownRooms?: readonly string[];
  /** Where this run's room sample starts. */
  roomCursor: number;
  /** Rooms the last run could not read: read again first, before the rotating sample. */
  unreachableRooms?: readonly string[];
  /**
   * Limited to rooms: a mailbox outside the scope (the connecting admin's) that must stay refused,
   * so a scope that quietly widened again is noticed.
   */
  scopeProbe?: string;
  /**
   * A token fetched now instead of the cached one: an admin's "check now" must show a revoked
   * consent at once. Scheduled runs use the cached token (a fresh one when it lacks the role the
   * protocol needs, or within 5 minutes of expiry), so a revocation shows up within a token's life.
   */
  freshToken?: boolean;
  /** Aborts when the run is abandoned (shutdown): every check stops waiting at once. */
  signal?: AbortSignal;
}

export interface HealthCheckRun {
  results: CheckResult[];
  /** Where the next run's room sample starts. */
  roomCursor: number;
}

interface CheckOutcome<T> {
  status: CheckStatus;
  value?: T;
  diagnostic?: Diagnostic;
  detail?: JsonObject;
}

/** Throttling is a warning to wait, not a failure of the integration. */
function statusOf(diagnostic: Diagnostic): CheckStatus {
  return diagnostic.kind === 'throttled' ? 'warn' : 'fail';
}

/** A check's diagnostic: ours as it is, the check's own timeout, anything else as unexpected. */
export function diagnosticOf(
  error: unknown,
  ctx: RemediationContext,
  report?: UnexpectedErrorReport,
): Diagnostic {
  if (error instanceof TimeoutError) {
    return {
      kind: 'timeout',
      code: 'HealthCheckTimeout',
      message: `The check got no answer within ${Math.round(error.timeoutMs / 1000)} s.`,
      remediation: remediationFor('timeout', ctx),
    };
  }
  return converted(error, (kind) => remediationFor(kind, ctx), report);
}

function toResult(check: CheckName, outcome: CheckOutcome<unknown>, durationMs: number): CheckResult {
  return {
    check,
    status: outcome.status,
    ...(outcome.diagnostic ? { diagnostic: { ...outcome.diagnostic } } : {}),
    ...(outcome.detail ? { detail: outcome.detail } : {}),
    durationMs,
  };
}

/** The rooms of this run: `size` addresses from `cursor` on, wrapping around the sorted list. */
export function roomSample(
  rooms: readonly string[],
  cursor: number,
  size: number,
): { sample: string[]; nextCursor: number } {
  const sorted = [...new Set(rooms.map((r) => r.toLowerCase()))].sort();
  if (sorted.length === 0) return { sample: [], nextCursor: 0 };
  const start = cursor % sorted.length;
  const count = Math.min(size, sorted.length);
  const sample = Array.from({ length: count }, (_, i) => sorted[(start + i) % sorted.length] as string);
  return { sample, nextCursor: (start + count) % sorted.length };
}

export class HealthChecks {
  /** Our certificate's expiry, read once: the PEM is fixed for the process's life. */
  private readonly certificateNotAfterMs: number;

  constructor(
    private readonly deps: HealthCheckDeps,
    private readonly options: HealthCheckOptions = DEFAULT_HEALTH_CHECK_OPTIONS,
  ) {
    this.certificateNotAfterMs = Date.parse(new X509Certificate(deps.appCertificatePem).validTo);
  }

  async run(input: HealthCheckInput): Promise<HealthCheckRun> {
    const { integration } = input;
    const ctx: RemediationContext = {
      appId: this.deps.appId,
      ewsUrl: integration.method === 'modern' ? this.deps.exchangeOnlineEwsUrl : (integration.ewsUrl ?? ''),
      ...(input.mailbox ? { mailbox: input.mailbox } : {}),
      ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
    };
    const results: CheckResult[] = [];
    if (integration.method === 'modern') results.push(this.certificate(ctx));
    if (integration.method === 'modern' && protocolOf(integration) === 'ews')
      results.push(this.ewsRetirement(ctx));

    // The credentials check (token or password) is the connection's opening, timed as one.
    const credentialsCheck: TimedCheck = integration.method === 'modern' ? 'token' : 'secret';
    const stop = input.signal;
    const opened = await this.timed(stop, credentialsCheck, ctx, async (signal) =>
      this.opening(
        await openConnection(this.deps, integration, {
          actingAs: input.mailbox ?? '',
          signal,
          freshToken: input.freshToken ?? false,
          // A back-off is the scheduler's to honour: sleeping it here would time the check out.
          throttling: 'report',
        }),
      ),
    );
    if (opened.value?.ok === false) {
      // The endpoint itself was refused before any credentials: that is the mailbox check's news.
      const failedAt = opened.value.failed.stage;
      results.push(
        failedAt === 'endpoint'
          ? { check: 'mailbox', status: 'fail', diagnostic: opened.value.failed.diagnostic, durationMs: 0 }
          : opened.result,
      );
      return { results, roomCursor: input.roomCursor };
    }
    results.push(opened.result);
    const connection = opened.value;
    if (!connection) return { results, roomCursor: input.roomCursor };
    if (integration.method === 'modern' && integration.accessScope === 'rooms') {
      results.push(
        (
          await this.timed(stop, 'scope', ctx, (signal) =>
            this.scope(connection, input.scopeProbe, ctx, signal),
          )
        ).result,
      );
    }
    if (!input.mailbox) return { results, roomCursor: input.roomCursor };

    const mailbox = input.mailbox;
    const { access } = connection;
    const calendar = await this.timed(stop, 'mailbox', ctx, async (signal): Promise<CheckOutcome<true>> => {
      const folder = await access.openCalendar(mailbox, { abortSignal: signal });
      const gone = input.verificationMailbox
        ? await this.mailboxGone(access, input.verificationMailbox, ctx, signal)
        : false;
      const detail: JsonObject = {
        mailbox,
        calendar: folder.displayName,
        ...(input.verificationMailbox ? { verificationMailbox: input.verificationMailbox } : {}),
        ...(gone ? { verificationMailboxGone: true } : {}),
      };
      return { status: 'ok', value: true, detail };
    });
    results.push(calendar.result);
    // Exchange Online's EWS allow list matters only to connections that speak EWS to it.
    const allowList =
      integration.method === 'modern' && protocolOf(integration) === 'ews'
        ? ewsAllowList(calendar.result)
        : undefined;
    if (allowList) results.push(allowList);
    if (!calendar.value) return { results, roomCursor: input.roomCursor };

    let roomCursor = input.roomCursor;
    const rooms = await this.timed(stop, 'rooms', ctx, async (signal) => {
      const all =
        input.knownRooms ?? (await findRooms(access, { abortSignal: signal })).rooms.map((r) => r.address);
      const { sample, nextCursor } = roomSample(all, input.roomCursor, this.options.roomSampleSize);
      roomCursor = nextCursor;
      // Rooms that could not be read last time are read again first: a re-check shows the fix.
      const known = new Set(all.map((r) => r.toLowerCase()));
      const again = (input.unreachableRooms ?? []).filter((r) => known.has(r.toLowerCase()));
      const rooms = [...new Set([...again.map((r) => r.toLowerCase()), ...sample])].slice(
        0,
        Math.max(this.options.roomSampleSize, again.length),
      );
      return this.rooms(access, all.length, rooms, ctx, signal);
    });
    results.push(rooms.result);
    return { results, roomCursor };
  }

  /** The token (or password) check from the connection's stages. */
  private opening(
    outcome: OpenedConnection | FailedConnection,
  ): CheckOutcome<OpenedConnection | FailedConnection> {
    const stage = (name: StageResult['stage']) => outcome.stages.find((s) => s.stage === name);
    const credentials = stage('permission') ?? stage('token') ?? stage('credentials');
    const detail = { ...stage('token')?.detail, ...credentials?.detail };
    const shown = Object.keys(detail).length > 0 ? { detail } : {};
    if (outcome.ok) return { status: 'ok', value: outcome, ...shown };
    const { diagnostic } = outcome.failed;
    return { status: statusOf(diagnostic), value: outcome, diagnostic, ...shown };
  }

  /**
   * One check under its time-out; the work's signal aborts when it passes (its request and slot end)
   * or when `stop` aborts (the run is abandoned), and the check stops waiting at once then.
   */
  private async timed<T>(
    stop: AbortSignal | undefined,
    check: TimedCheck,
    ctx: RemediationContext,
    work: (signal: AbortSignal) => Promise<CheckOutcome<T>>,
  ): Promise<{ result: CheckResult; value?: T }> {
    const started = this.deps.now();
    const timeoutMs = this.options.timeoutsMs[check];
    let outcome: CheckOutcome<T>;
    try {
      outcome = await withTimeout(this.deps.timers, timeoutMs, (signal) =>
        stop ? untilAborted(work(AbortSignal.any([signal, stop])), stop) : work(signal),
      );
    } catch (error) {
      const diagnostic = diagnosticOf(error, ctx, this.deps.reportUnexpected);
      outcome = { status: statusOf(diagnostic), diagnostic };
    }
    const result = toResult(check, outcome, this.deps.now() - started);
    return outcome.value === undefined ? { result } : { result, value: outcome.value };
  }

  private certificate(ctx: RemediationContext): CheckResult {
    const started = this.deps.now();
    const notAfter = this.certificateNotAfterMs;
    const msLeft = notAfter - this.deps.now();
    const daysLeft = Math.floor(msLeft / DAY_MS);
    const detail: JsonObject = { notAfter: new Date(notAfter).toISOString(), daysLeft };
    const outcome: CheckOutcome<never> =
      msLeft <= 0
        ? {
            status: 'fail',
            detail,
            diagnostic: {
              kind: 'certificate_expired',
              code: 'CertificateExpired',
              message: `Exchange Connect's certificate expired on ${new Date(notAfter).toISOString()}.`,
              remediation: remediationFor('certificate_expired', ctx),
            },
          }
        : { status: daysLeft <= this.options.certificateWarnDays ? 'warn' : 'ok', detail };
    return toResult('certificate', outcome, this.deps.now() - started);
  }

  /** EWS in Exchange Online ends on EWS_SHUTDOWN_DATE: a countdown from 90 days, then a failure. */
  private ewsRetirement(ctx: RemediationContext): CheckResult {
    const daysLeft = daysUntilEwsEnds(new Date(this.deps.now()));
    const detail: JsonObject = { endsOn: EWS_SHUTDOWN_DATE, daysLeft };
    if (Date.parse(`${EWS_SHUTDOWN_DATE}T00:00:00Z`) <= this.deps.now()) {
      return toResult(
        'ewsRetirement',
        {
          status: 'fail',
          detail,
          diagnostic: {
            kind: 'ews_retired',
            code: 'EwsRetired',
            message: `EWS in Exchange Online was switched off on ${EWS_SHUTDOWN_DATE}; this connection still uses it.`,
            remediation: remediationFor('ews_retired', ctx),
          },
        },
        0,
      );
    }
    const warn = daysLeft <= this.options.ewsRetirementWarnDays;
    return toResult('ewsRetirement', { status: warn ? 'warn' : 'ok', detail }, 0);
  }

  /** Whether Exchange says `address` has no mailbox (any other answer: not known to be gone). */
  private async mailboxGone(
    access: MailboxAccess,
    address: string,
    ctx: RemediationContext,
    signal: AbortSignal,
  ): Promise<boolean> {
    try {
      await access.openCalendar(address, { abortSignal: signal });
      return false;
    } catch (error) {
      return (
        diagnosticOf(error, { ...ctx, mailbox: address }, this.deps.reportUnexpected).kind ===
        'mailbox_not_found'
      );
    }
  }

  /**
   * Limited to room mailboxes, the scope must keep restricting: the token must not carry a
   * tenant-wide calendar permission again, and a mailbox outside the scope must stay refused.
   */
  private async scope(
    connection: OpenedConnection,
    probe: string | undefined,
    ctx: RemediationContext,
    signal: AbortSignal,
  ): Promise<CheckOutcome<never>> {
    const verdict = await probeRoomScope(
      { access: connection.access, roles: connection.token?.roles ?? [] },
      probe,
      ctx,
      this.deps.reportUnexpected,
      { abortSignal: signal },
    );
    switch (verdict.verdict) {
      // A gone probe mailbox (the admin may leave) leaves the token check, which still holds.
      case 'restricted':
      case 'probe_gone':
        return { status: 'ok', detail: verdict.detail };
      case 'widened':
        return { status: 'fail', diagnostic: verdict.diagnostic, detail: verdict.detail };
      case 'unknown':
        return {
          status: statusOf(verdict.diagnostic),
          diagnostic: verdict.diagnostic,
          detail: verdict.detail,
        };
    }
  }

  private async rooms(
    access: MailboxAccess,
    total: number,
    sample: readonly string[],
    ctx: RemediationContext,
    signal: AbortSignal,
  ): Promise<CheckOutcome<never>> {
    const start = new Date(this.deps.now());
    const window = { start, end: new Date(start.getTime() + this.options.roomWindowMs) };
    // Sample size ≤ the tenant's in-flight limit; the adapter enforces the limit itself.
    const checked = await checkRooms(
      access,
      sample.map((address) => ({ address, name: address })),
      window,
      { abortSignal: signal },
    );
    const failed = checked.filter((c) => !c.reachable);
    const detail: JsonObject = {
      total,
      sampled: checked.map((c): JsonObject =>
        c.reachable || !c.diagnostic
          ? { address: c.address, reachable: true }
          : { address: c.address, reachable: false, code: c.diagnostic.code, kind: c.diagnostic.kind },
      ),
      unreachable: failed.length,
    };
    if (failed.length === 0) return { status: 'ok', detail };
    // A throttled room decides the diagnostic, so its back-off reaches the scheduler.
    const first = failed.find((c) => c.diagnostic?.kind === 'throttled') ?? failed[0];
    // Said about the room, not about the admin's mailbox the generic texts speak of.
    const diagnostic = first?.diagnostic
      ? { ...first.diagnostic, remediation: roomRemediation(first.diagnostic.kind, first.address, ctx) }
      : undefined;
    return { status: 'warn', detail, ...(diagnostic ? { diagnostic } : {}) };
  }
}

/** Read from the mailbox check: a second EWS call would only hear the same answer. */
function ewsAllowList(mailbox: CheckResult): CheckResult | undefined {
  const kind = mailbox.diagnostic?.kind;
  if (kind === 'ews_blocked') {
    return { check: 'ewsAllowList', status: 'fail', diagnostic: mailbox.diagnostic, durationMs: 0 };
  }
  // EWS answered (success or an Exchange-level error): it is not blocked for us. An address we
  // refused to send never reached EWS.
  const unanswered = ['timeout', 'unreachable', 'untrusted_certificate', 'unexpected', 'invalid_address'];
  const answered = mailbox.status === 'ok' || (kind !== undefined && !unanswered.includes(kind));
  return answered ? { check: 'ewsAllowList', status: 'ok', durationMs: 0 } : undefined;
}
