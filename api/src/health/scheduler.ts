/**
 * Re-checks every connected integration on an interval. Any number of worker processes may share
 * the database: each run is leased in the store (claimed atomically, with an expiry so a crashed
 * worker's lease frees itself), so no integration is checked twice at once. Clock, timers and the
 * jitter's randomness are injected; tests call `runDue()` on a fake clock instead of waiting.
 */
import { randomUUID } from 'node:crypto';
import type { IntegrationStore } from '../store/port';
import type { HealthClaim } from '../store/health-port';
import type { IntegrationStatus } from '../store/types';
import type { HealthMonitor } from './monitor';
import type { CheckNowOutcome, HealthRunOutcome } from './port';
import { realTimers, type Timers } from './timers';

/** Connected integrations: verified, failed, or waiting for consent to apply; not disconnected. */
export const MONITORED_STATUSES: readonly IntegrationStatus[] = ['verified', 'failed', 'pending'];

export interface HealthSchedulerOptions {
  store: IntegrationStore;
  monitor: Pick<HealthMonitor, 'run'>;
  clock: () => Date;
  timers?: Timers;
  /** This worker's lease owner id. */
  owner?: string;
  /** How often `start()` looks for due integrations. */
  pollIntervalMs?: number;
  /** Longer than the slowest run (the sum of the check timeouts). */
  leaseMs?: number;
  /** Integrations leased per poll. */
  batchSize?: number;
  /** Integrations (each a different tenant) checked at once. */
  concurrency?: number;
  /** Check history older than this is deleted. */
  historyRetentionMs?: number;
  onError?: (error: unknown, claim?: HealthClaim) => void;
}

export class HealthScheduler {
  readonly owner: string;
  private readonly timers: Timers;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly retentionMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: unknown;
  private stopped = true;

  constructor(private readonly options: HealthSchedulerOptions) {
    this.owner = options.owner ?? `health-${randomUUID()}`;
    this.timers = options.timers ?? realTimers;
    this.pollIntervalMs = options.pollIntervalMs ?? 30_000;
    this.leaseMs = options.leaseMs ?? 5 * 60 * 1000;
    this.batchSize = options.batchSize ?? 20;
    this.concurrency = options.concurrency ?? 4;
    this.retentionMs = options.historyRetentionMs ?? 30 * 24 * 60 * 60 * 1000;
  }

  /** Leases the integrations due now and checks them; resolves when all are done. */
  runDue(): Promise<HealthRunOutcome[]> {
    return this.track(this.runDueNow());
  }

  /** Checks the tenant's integration now, unless another worker is at it or Exchange asked us to wait. */
  checkNow(tenantId: string): Promise<CheckNowOutcome> {
    return this.track(this.checkNowInner(tenantId));
  }

  /** Polls every `pollIntervalMs` until `stop()`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return;
      void this.runDue()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) this.timer = this.timers.setTimeout(tick, this.pollIntervalMs);
        });
    };
    this.timer = this.timers.setTimeout(tick, 0);
  }

  /** Stops polling and waits for the runs in progress to be written. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  private async runDueNow(): Promise<HealthRunOutcome[]> {
    const now = this.options.clock();
    await this.options.store.pruneHealthResults(new Date(now.getTime() - this.retentionMs));
    const claims = await this.options.store.claimDueHealthChecks({
      owner: this.owner,
      now,
      leaseMs: this.leaseMs,
      limit: this.batchSize,
      statuses: MONITORED_STATUSES,
    });
    const outcomes: HealthRunOutcome[] = [];
    const queue = [...claims];
    const worker = async (): Promise<void> => {
      for (let claim = queue.shift(); claim; claim = queue.shift()) {
        const outcome = await this.runClaim(claim);
        if (outcome) outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, claims.length) }, worker));
    return outcomes;
  }

  private async checkNowInner(tenantId: string): Promise<CheckNowOutcome> {
    const { store } = this.options;
    const now = this.options.clock();
    const claim = await store.claimHealthCheck({
      tenantId,
      owner: this.owner,
      now,
      leaseMs: this.leaseMs,
      statuses: MONITORED_STATUSES,
    });
    if (!claim) {
      const integration = await store.getIntegration(tenantId);
      return integration && MONITORED_STATUSES.includes(integration.status)
        ? { status: 'busy' }
        : { status: 'not_connected' };
    }
    const waitMs = claim.health.backoffUntil ? Date.parse(claim.health.backoffUntil) - now.getTime() : 0;
    if (waitMs > 0) {
      await store.releaseHealthLease(claim.integration.id, tenantId, this.owner);
      return { status: 'throttled', retryAfterMs: waitMs };
    }
    const outcome = await this.runClaim(claim);
    return outcome ? { status: 'checked', outcome } : { status: 'busy' };
  }

  /**
   * A run that throws (a store error; the checks themselves never throw) keeps its lease until it
   * expires: a natural back-off before this or another worker tries again.
   */
  private async runClaim(claim: HealthClaim): Promise<HealthRunOutcome | undefined> {
    try {
      return await this.options.monitor.run(claim, this.owner);
    } catch (error) {
      this.options.onError?.(error, claim);
      return undefined;
    }
  }
}
