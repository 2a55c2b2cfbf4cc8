/**
 * One health run of one leased integration: run the checks, evaluate the state machine, and write
 * the results, the new health record and the alert (if any) in ONE store transaction, so an alert
 * exists exactly when the state change that caused it was committed.
 */
import { randomUUID } from 'node:crypto';
import type { IntegrationStore } from '../store/port';
import type { HealthClaim } from '../store/health-port';
import type { CheckResult, HealthResult } from '../store/health-types';
import type { HealthRunOutcome } from './port';
import type { Integration, VerificationTrace } from '../store/types';
import type { HealthChecks } from './checks';
import { DEFAULT_STATE_MACHINE_OPTIONS, evaluateHealth, type StateMachineOptions } from './state-machine';

export const DEFAULT_CHECK_INTERVAL_MS = 15 * 60 * 1000;

export interface HealthRunOptions {
  /** A token fetched now, not the cached one (an admin asked: see HealthCheckInput.freshToken). */
  freshToken?: boolean;
  /** Aborts when the run is abandoned (shutdown): it then ends with the reason and records nothing. */
  signal?: AbortSignal;
}

export interface HealthMonitorOptions {
  store: IntegrationStore;
  checks: Pick<HealthChecks, 'run'>;
  stateMachine?: StateMachineOptions;
  /** Between two runs of one integration. */
  intervalMs?: number;
  /** ± this fraction of the interval, so integrations connected together spread out. */
  jitterRatio?: number;
  /** In [0, 1), like Math.random. */
  random?: () => number;
  clock: () => Date;
}

/** Room addresses the latest verification of this integration listed (reachable ones first). */
function roomsFromTrace(
  trace: VerificationTrace | undefined,
  integration: Integration,
): string[] | undefined {
  if (!trace || trace.integrationId !== integration.id) return undefined;
  const rooms = trace.steps.find((s) => s.name === 'rooms' && s.status === 'ok')?.detail?.['rooms'];
  if (!Array.isArray(rooms)) return undefined;
  const listed = rooms.flatMap((room) =>
    room !== null && typeof room === 'object' && !Array.isArray(room) && typeof room['address'] === 'string'
      ? [{ address: room['address'], reachable: room['reachable'] === true }]
      : [],
  );
  return [...listed.filter((r) => r.reachable), ...listed.filter((r) => !r.reachable)].map((r) => r.address);
}

/** Enough results to hold one whole run. */
const LAST_RUN_RESULTS = 12;

/** Rooms the newest rooms result of this integration could not read. */
function unreachableInLastRun(recent: readonly HealthResult[], integrationId: string): string[] {
  const rooms = recent.find((r) => r.check === 'rooms' && r.integrationId === integrationId);
  const sampled = rooms?.detail?.['sampled'];
  if (!Array.isArray(sampled)) return [];
  return sampled.flatMap((room) =>
    room !== null &&
    typeof room === 'object' &&
    !Array.isArray(room) &&
    room['reachable'] === false &&
    typeof room['address'] === 'string'
      ? [room['address']]
      : [],
  );
}

/** The longest wait any throttled check asked for. */
export function throttleWaitMs(results: readonly CheckResult[]): number | undefined {
  const waits = results.flatMap((r) =>
    r.diagnostic?.kind === 'throttled' && r.diagnostic.retryAfterMs !== undefined
      ? [r.diagnostic.retryAfterMs]
      : [],
  );
  return waits.length === 0 ? undefined : Math.max(...waits);
}

export class HealthMonitor {
  private readonly intervalMs: number;
  private readonly jitterRatio: number;
  private readonly random: () => number;

  constructor(private readonly options: HealthMonitorOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    this.jitterRatio = options.jitterRatio ?? 0.1;
    this.random = options.random ?? Math.random;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    if (!(this.jitterRatio >= 0 && this.jitterRatio < 1))
      throw new RangeError('jitterRatio must be in [0, 1)');
  }

  /** The delay until the next run: the interval ± jitter. */
  nextDelayMs(): number {
    return Math.round(this.intervalMs * (1 + this.jitterRatio * (2 * this.random() - 1)));
  }

  async run(claim: HealthClaim, owner: string, options: HealthRunOptions = {}): Promise<HealthRunOutcome> {
    const { integration, health } = claim;
    const { store } = this.options;
    const trace = await store.latestTrace(integration.tenantId);
    const verificationMailbox =
      integration.verificationMailbox ??
      integration.verifiedMailbox ??
      (trace?.integrationId === integration.id ? trace.mailbox : undefined);
    const knownRooms = roomsFromTrace(trace, integration);
    // Health checks what the platform uses, a room, so it never depends on the admin who
    // connected still being there; limited to rooms, the verification mailbox is a room already.
    const mailbox =
      integration.accessScope === 'rooms' ? verificationMailbox : (knownRooms?.[0] ?? verificationMailbox);
    // Limited to rooms, the connecting admin's own mailbox must stay out of reach.
    const scopeProbe = integration.accessScope === 'rooms' ? integration.consentedBy : undefined;
    const unreachableRooms = unreachableInLastRun(
      await store.listHealthResults(integration.tenantId, { limit: LAST_RUN_RESULTS }),
      integration.id,
    );
    const checked = await this.options.checks.run({
      ...(unreachableRooms.length > 0 ? { unreachableRooms } : {}),
      integration,
      ...(mailbox ? { mailbox } : {}),
      ...(verificationMailbox && verificationMailbox !== mailbox ? { verificationMailbox } : {}),
      ...(knownRooms ? { knownRooms } : {}),
      ...(scopeProbe ? { scopeProbe } : {}),
      roomCursor: health.roomCursor,
      ...(options.freshToken ? { freshToken: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Abandoned: what the checks saw is the abort, not Exchange; another instance checks again.
    options.signal?.throwIfAborted();

    const now = this.options.clock();
    const nowIso = now.toISOString();
    const { next, alert } = evaluateHealth(
      health,
      checked.results,
      nowIso,
      this.options.stateMachine ?? DEFAULT_STATE_MACHINE_OPTIONS,
    );
    const waitMs = throttleWaitMs(checked.results);
    const backoffUntil = waitMs === undefined ? undefined : new Date(now.getTime() + waitMs).toISOString();
    const scheduled = now.getTime() + this.nextDelayMs();
    const nextRunAt = new Date(
      Math.max(scheduled, backoffUntil ? Date.parse(backoffUntil) : 0),
    ).toISOString();

    const saved = await store.transaction(async (tx) => {
      await tx.recordHealthRun({
        integrationId: integration.id,
        tenantId: integration.tenantId,
        owner,
        runId: randomUUID(),
        checkedAt: nowIso,
        results: checked.results,
        health: {
          ...next,
          roomCursor: checked.roomCursor,
          lastRunAt: nowIso,
          nextRunAt,
          ...(backoffUntil ? { backoffUntil } : {}),
        },
      });
      // Disconnected (or replaced) while the checks ran: keep the history, alert nobody.
      const current = await tx.getIntegration(integration.tenantId);
      if (!alert || current?.id !== integration.id) return undefined;
      return tx.addAlert({ ...alert, tenantId: integration.tenantId, integrationId: integration.id });
    });
    return {
      tenantId: integration.tenantId,
      integrationId: integration.id,
      state: next.state,
      results: checked.results,
      ...(saved ? { alert: saved } : {}),
      nextRunAt,
      ...(backoffUntil ? { backoffUntil } : {}),
    };
  }
}
