/**
 * The in-process health scheduler (SQLite; one instance): re-checks every connected integration on
 * an interval. A pass runs every due integration, limited only by a global concurrency (the
 * adapters add their own per-tenant limits: 10 EWS requests per tenant, 4 Graph requests per
 * mailbox); it claims only as many as it has free slots, so nothing waits under a lease it holds.
 * Each run is leased in the store (claimed atomically, with an expiry so a crashed worker's lease
 * frees itself), so no integration is checked twice at once even with a second process on the
 * same file. Between passes it sleeps until the earliest next run it knows of, at most
 * `pollIntervalMs` (new integrations and other workers' runs are found by looking).
 *
 * Clock, timers and the jitter's randomness are injected; tests call `runDue()` on a fake clock.
 */
import { randomUUID } from 'node:crypto';
import type { IntegrationStore } from '../store/port';
import type { HealthClaim } from '../store/health-port';
import type { HealthMonitor } from './monitor';
import type { CheckNowOutcome, HealthRunOutcome } from './port';
import { checkNow, runClaimed } from './check-now';
import { MONITORED_STATUSES } from './monitored';
import type { HealthScheduling } from './scheduling-port';
import { realTimers, type Timers } from './timers';
import { ActiveRuns, DEFAULT_STOP_GRACE_MS } from './active-runs';

export { MONITORED_STATUSES } from './monitored';

export interface HealthSchedulerOptions {
  store: IntegrationStore;
  monitor: Pick<HealthMonitor, 'run'>;
  clock: () => Date;
  timers?: Timers;
  /** This worker's lease owner id. */
  owner?: string;
  /** The longest sleep between two passes (how soon new integrations are noticed). */
  pollIntervalMs?: number;
  /** The shortest sleep between two passes, so runs falling due together share one claim. */
  minPollIntervalMs?: number;
  /** Longer than the slowest run (the sum of the check timeouts). */
  leaseMs?: number;
  /** Integrations checked at once by this process, across tenants. */
  concurrency?: number;
  /** Check history older than this is deleted. */
  historyRetentionMs?: number;
  /** How long stop() lets runs in progress finish before abandoning them and releasing their leases. */
  stopGraceMs?: number;
  onError?: (error: unknown, claim?: HealthClaim) => void;
}

export const DEFAULT_HEALTH_CONCURRENCY = 32;

export class HealthScheduler implements HealthScheduling {
  readonly owner: string;
  private readonly timers: Timers;
  private readonly pollIntervalMs: number;
  private readonly minPollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly retentionMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly runs = new ActiveRuns();
  /** Next run of each integration this scheduler checked: when the next pass is worth making. */
  private readonly nextRuns = new Map<string, number>();
  private pass: Promise<HealthRunOutcome[]> | undefined;
  private timer: unknown;
  private stopped = true;
  private stopping = false;

  constructor(private readonly options: HealthSchedulerOptions) {
    this.owner = options.owner ?? `health-${randomUUID()}`;
    this.timers = options.timers ?? realTimers;
    this.pollIntervalMs = options.pollIntervalMs ?? 30_000;
    this.minPollIntervalMs = Math.min(options.minPollIntervalMs ?? 1_000, this.pollIntervalMs);
    this.leaseMs = options.leaseMs ?? 5 * 60 * 1000;
    this.concurrency = options.concurrency ?? DEFAULT_HEALTH_CONCURRENCY;
    this.retentionMs = options.historyRetentionMs ?? 30 * 24 * 60 * 60 * 1000;
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1))
      throw new RangeError('concurrency must be a positive integer');
  }

  /** Leases every integration due now and checks them; resolves when all are done. One pass at a time. */
  runDue(): Promise<HealthRunOutcome[]> {
    const previous = this.pass ?? Promise.resolve([]);
    const pass = this.track(previous.then(() => this.sweep()));
    this.pass = pass;
    void pass
      .finally(() => {
        if (this.pass === pass) this.pass = undefined;
      })
      .catch(() => undefined);
    return pass;
  }

  /** Checks the tenant's integration now, unless another worker is at it or Exchange asked us to wait. */
  checkNow(tenantId: string): Promise<CheckNowOutcome> {
    return this.track(checkNow(this.runDeps(), tenantId));
  }

  /** Makes passes until `stop()`: the first at once, then whenever work falls due. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return;
      void this.runDue()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) this.timer = this.timers.setTimeout(tick, this.nextPassInMs());
        });
    };
    this.timer = this.timers.setTimeout(tick, 0);
  }

  /**
   * Stops making passes, hands back claims not yet started, lets the runs in progress finish for
   * `stopGraceMs`, then abandons the rest and releases their leases (another instance takes them).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.runs.drain(
      {
        store: this.options.store,
        owner: this.owner,
        timers: this.timers,
        ...(this.options.onError ? { onError: this.options.onError } : {}),
      },
      this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    );
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** How long until the earliest run this scheduler knows of, within the poll bounds. */
  private nextPassInMs(): number {
    const now = this.options.clock().getTime();
    let earliest = now + this.pollIntervalMs;
    for (const at of this.nextRuns.values()) earliest = Math.min(earliest, at);
    return Math.max(this.minPollIntervalMs, earliest - now);
  }

  private runDeps() {
    return {
      store: this.options.store,
      monitor: this.options.monitor,
      clock: this.options.clock,
      owner: this.owner,
      leaseMs: this.leaseMs,
      runs: this.runs,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /**
   * One pass: claim as many due integrations as there are free slots, start each at once, and claim
   * again once an eighth of the slots are free, until a claim comes back short (nothing else is
   * due). Each claim sorts every due integration, so claiming per freed slot cost that sort per
   * check (about 8 % of the CPU of a pass over 1,000 tenants); an eighth keeps nearly all slots busy.
   */
  private async sweep(): Promise<HealthRunOutcome[]> {
    const { store } = this.options;
    const startedAt = this.options.clock().getTime();
    // Whatever is due now is claimed below (and re-learnt when run) or belongs to someone else.
    for (const [id, at] of this.nextRuns) if (at <= startedAt) this.nextRuns.delete(id);
    await store.pruneHealthResults(new Date(startedAt - this.retentionMs));
    const outcomes: HealthRunOutcome[] = [];
    const running = new Set<Promise<void>>();
    const batch = Math.max(1, Math.floor(this.concurrency / 8));
    let moreDue = true;
    while (!this.stopping) {
      const free = this.concurrency - running.size;
      if (moreDue && (free >= batch || (free > 0 && running.size === 0))) {
        const claims = await store.claimDueHealthChecks({
          owner: this.owner,
          now: this.options.clock(),
          leaseMs: this.leaseMs,
          limit: free,
          statuses: MONITORED_STATUSES,
        });
        if (this.stopping) {
          await this.handBack(claims);
          break;
        }
        moreDue = claims.length === free;
        for (const claim of claims) running.add(this.start1(claim, outcomes, running));
      }
      if (running.size === 0) break;
      // Wait for a slot, unless a full claim suggests more is due and a batch of slots is free.
      if (!(moreDue && this.concurrency - running.size >= batch)) await Promise.race(running);
    }
    await Promise.all(running);
    return outcomes;
  }

  private start1(
    claim: HealthClaim,
    outcomes: HealthRunOutcome[],
    running: Set<Promise<void>>,
  ): Promise<void> {
    this.nextRuns.delete(claim.integration.id);
    const run: Promise<void> = runClaimed(this.runDeps(), claim).then((outcome) => {
      running.delete(run);
      if (!outcome) return;
      outcomes.push(outcome);
      this.nextRuns.set(outcome.integrationId, Date.parse(outcome.nextRunAt));
    });
    return run;
  }

  /** Leases taken by a claim that came back after stop(): released unrun, for another worker. */
  private async handBack(claims: readonly HealthClaim[]): Promise<void> {
    const results = await Promise.allSettled(
      claims.map((c) =>
        this.options.store.releaseHealthLease(c.integration.id, c.integration.tenantId, this.owner),
      ),
    );
    for (const result of results) if (result.status === 'rejected') this.options.onError?.(result.reason);
  }
}
