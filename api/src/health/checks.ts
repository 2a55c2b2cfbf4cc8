/**
 * The health checks of one integration. Each runs under its own timeout and reports
 * {check, status, diagnostic?, detail?, durationMs}; a timed-out check is a failed check of kind
 * `timeout`, a throttled one a warning carrying `retryAfterMs`. Checks that cannot run because an
 * earlier one failed (no token, no password, mailbox not opened) are left out of the run.
 */
import { X509Certificate } from 'node:crypto';
import { ExchangeConnectError, isExchangeConnectError, type Diagnostic } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { AppTokenProvider } from '../identity/port';
import type { EwsConnection, ExchangeGateway } from '../exchange/port';
import type { SecretVault } from '../secrets/port';
import type { CheckName, CheckResult, CheckStatus } from '../store/health-types';
import type { Integration, JsonObject } from '../store/types';
import { FULL_ACCESS_AS_APP } from '../integrations/verification';
import { TimeoutError, withTimeout, type Timers } from './timers';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface HealthCheckDeps {
  appId: string;
  exchangeOnlineEwsUrl: string;
  /** Our app certificate (PEM): its notAfter drives the certificate check. */
  appCertificatePem: string;
  tokens: AppTokenProvider;
  exchange: ExchangeGateway;
  vault: SecretVault;
  timers: Timers;
  now(): number;
}

/** Checks that wait on the network; the certificate and allow-list checks are computed locally. */
type TimedCheck = Exclude<CheckName, 'certificate' | 'ewsAllowList'>;

export interface HealthCheckOptions {
  timeoutsMs: Record<TimedCheck, number>;
  /** The certificate check warns from this many days before expiry. */
  certificateWarnDays: number;
  /** Rooms checked per run; the sample rotates through all rooms across runs. */
  roomSampleSize: number;
  /** The CalendarView window each sampled room is read over. */
  roomWindowMs: number;
}

export const DEFAULT_HEALTH_CHECK_OPTIONS: HealthCheckOptions = {
  timeoutsMs: { token: 30_000, secret: 20_000, mailbox: 45_000, rooms: 60_000 },
  certificateWarnDays: 30,
  roomSampleSize: 5,
  roomWindowMs: DAY_MS,
};

export interface HealthCheckInput {
  integration: Integration;
  /** The mailbox verification opened; the mailbox check is skipped without one. */
  mailbox?: string;
  /** Room addresses from the latest verification; listed from Exchange when undefined. */
  knownRooms?: readonly string[];
  /** Where this run's room sample starts. */
  roomCursor: number;
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

export function diagnosticOf(error: unknown, ctx: RemediationContext): Diagnostic {
  if (isExchangeConnectError(error)) return error.toDiagnostic();
  if (error instanceof TimeoutError) {
    return {
      kind: 'timeout',
      code: 'HealthCheckTimeout',
      message: `The check got no answer within ${Math.round(error.timeoutMs / 1000)} s.`,
      remediation: remediationFor('timeout', ctx),
    };
  }
  return {
    kind: 'unexpected',
    code: 'Unexpected',
    message: error instanceof Error ? error.message : 'An unexpected error occurred.',
    remediation: remediationFor('unexpected', ctx),
  };
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
  constructor(
    private readonly deps: HealthCheckDeps,
    private readonly options: HealthCheckOptions = DEFAULT_HEALTH_CHECK_OPTIONS,
  ) {}

  async run(input: HealthCheckInput): Promise<HealthCheckRun> {
    const { integration } = input;
    const ewsUrl =
      integration.method === 'modern' ? this.deps.exchangeOnlineEwsUrl : (integration.ewsUrl ?? '');
    const ctx: RemediationContext = {
      appId: this.deps.appId,
      ewsUrl,
      ...(input.mailbox ? { mailbox: input.mailbox } : {}),
      ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
    };
    const results: CheckResult[] = [];
    let connection: EwsConnection | undefined;

    if (integration.method === 'modern') {
      results.push(this.certificate(ctx));
      const token = await this.timed('token', ctx, () => this.token(integration.tenantId, ctx));
      results.push(token.result);
      if (token.value)
        connection = { method: 'modern', tenantId: integration.tenantId, ewsUrl, accessToken: token.value };
    } else {
      const secret = await this.timed('secret', ctx, () => this.secret(integration, ctx));
      results.push(secret.result);
      if (secret.value) {
        connection = {
          method: 'basic',
          tenantId: integration.tenantId,
          ewsUrl,
          username: integration.serviceAccount ?? '',
          password: secret.value,
        };
      }
    }
    if (!connection || !input.mailbox) return { results, roomCursor: input.roomCursor };

    const mailbox = input.mailbox;
    const live = connection;
    const opened = await this.timed('mailbox', ctx, async (): Promise<CheckOutcome<true>> => {
      const folder = await this.deps.exchange.openCalendar(live, mailbox);
      return { status: 'ok', value: true, detail: { mailbox, calendar: folder.displayName } };
    });
    results.push(opened.result);
    const allowList = integration.method === 'modern' ? ewsAllowList(opened.result) : undefined;
    if (allowList) results.push(allowList);
    if (!opened.value) return { results, roomCursor: input.roomCursor };

    let roomCursor = input.roomCursor;
    const rooms = await this.timed('rooms', ctx, async () => {
      const all = input.knownRooms ?? (await this.listRooms(live, mailbox));
      const { sample, nextCursor } = roomSample(all, input.roomCursor, this.options.roomSampleSize);
      roomCursor = nextCursor;
      return this.rooms(live, all.length, sample, ctx);
    });
    results.push(rooms.result);
    return { results, roomCursor };
  }

  private async timed<T>(
    check: TimedCheck,
    ctx: RemediationContext,
    work: () => Promise<CheckOutcome<T>>,
  ): Promise<{ result: CheckResult; value?: T }> {
    const started = this.deps.now();
    const timeoutMs = this.options.timeoutsMs[check];
    let outcome: CheckOutcome<T>;
    try {
      outcome = await withTimeout(this.deps.timers, timeoutMs, work);
    } catch (error) {
      const diagnostic = diagnosticOf(error, ctx);
      outcome = { status: statusOf(diagnostic), diagnostic };
    }
    const result = toResult(check, outcome, this.deps.now() - started);
    return outcome.value === undefined ? { result } : { result, value: outcome.value };
  }

  /** A fresh token (not MSAL's cache), so revoked consent shows up at the next run. */
  private async token(tenantId: string, ctx: RemediationContext): Promise<CheckOutcome<string>> {
    const token = await this.deps.tokens.getExchangeToken(tenantId, { forceRefresh: true });
    const detail: JsonObject = { roles: token.roles, expiresOn: token.expiresOn.toISOString() };
    if (!token.roles.includes(FULL_ACCESS_AS_APP)) {
      return {
        status: 'fail',
        detail,
        diagnostic: {
          kind: 'consent_missing',
          code: 'NoFullAccessAsAppRole',
          message: `The token has no ${FULL_ACCESS_AS_APP} role (roles: ${token.roles.join(', ') || 'none'}).`,
          remediation: remediationFor('consent_missing', ctx),
        },
      };
    }
    return { status: 'ok', value: token.accessToken, detail };
  }

  /** Reads the password only to prove it is readable and to use it; it goes nowhere else. */
  private async secret(integration: Integration, ctx: RemediationContext): Promise<CheckOutcome<string>> {
    if (!integration.secretId || !integration.serviceAccount) {
      throw new ExchangeConnectError({
        kind: 'secret_unavailable',
        code: 'NoServiceAccount',
        message: 'No service account is stored for this connection.',
        remediation: remediationFor('secret_unavailable', ctx),
      });
    }
    const password = await this.deps.vault.readPassword(integration.secretId);
    return { status: 'ok', value: password, detail: { serviceAccount: integration.serviceAccount } };
  }

  private certificate(ctx: RemediationContext): CheckResult {
    const started = this.deps.now();
    const notAfter = Date.parse(new X509Certificate(this.deps.appCertificatePem).validTo);
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

  private async listRooms(connection: EwsConnection, actingAs: string): Promise<string[]> {
    const lists = await this.deps.exchange.listRoomLists(connection, actingAs);
    const members = await Promise.all(
      lists.map((list) => this.deps.exchange.listRooms(connection, actingAs, list.address)),
    );
    return members.flat().map((room) => room.address);
  }

  private async rooms(
    connection: EwsConnection,
    total: number,
    sample: readonly string[],
    ctx: RemediationContext,
  ): Promise<CheckOutcome<never>> {
    const start = new Date(this.deps.now());
    const end = new Date(start.getTime() + this.options.roomWindowMs);
    // Sample size ≤ the tenant's in-flight limit; the gateway enforces the limit itself.
    const checked = await Promise.all(
      sample.map(async (address) => {
        try {
          await this.deps.exchange.countCalendarItems(connection, address, start, end);
          return { address, reachable: true as const };
        } catch (error) {
          return {
            address,
            reachable: false as const,
            diagnostic: diagnosticOf(error, { ...ctx, mailbox: address }),
          };
        }
      }),
    );
    const failed = checked.filter((c) => !c.reachable);
    const detail: JsonObject = {
      total,
      sampled: checked.map((c): JsonObject =>
        c.reachable
          ? { address: c.address, reachable: true }
          : { address: c.address, reachable: false, code: c.diagnostic.code },
      ),
      unreachable: failed.length,
    };
    if (failed.length === 0) return { status: 'ok', detail };
    // A throttled room decides the diagnostic, so its back-off reaches the scheduler.
    const first = failed.find((c) => c.diagnostic.kind === 'throttled') ?? failed[0];
    return { status: 'warn', detail, ...(first ? { diagnostic: first.diagnostic } : {}) };
  }
}

/** Read from the mailbox check: a second EWS call would only hear the same answer. */
function ewsAllowList(mailbox: CheckResult): CheckResult | undefined {
  const kind = mailbox.diagnostic?.kind;
  if (kind === 'ews_blocked') {
    return { check: 'ewsAllowList', status: 'fail', diagnostic: mailbox.diagnostic, durationMs: 0 };
  }
  // EWS answered (success or an Exchange-level error): it is not blocked for us.
  const answered =
    mailbox.status === 'ok' ||
    (kind !== undefined && !['timeout', 'unreachable', 'untrusted_certificate', 'unexpected'].includes(kind));
  return answered ? { check: 'ewsAllowList', status: 'ok', durationMs: 0 } : undefined;
}
