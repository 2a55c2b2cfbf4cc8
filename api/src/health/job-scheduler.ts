/**
 * Health checks on a job engine (PostgreSQL; any number of instances). Every monitored integration
 * has one waiting job, due at the next run the monitor computed (the interval with jitter). A worker
 * holds at most `concurrency` jobs; for each it looks at the store: the integration still monitored
 * and its run due, it takes the store's health lease and runs `HealthMonitor.run`, which writes the
 * next run time with the results and frees the lease in one transaction; then it plans the next job.
 *
 * Why this is exactly once per interval: a run happens only while the store says it is due and only
 * under the lease, and its own commit moves the due time a whole interval on. A duplicate or early
 * job (the planner's, or one outlived by a "check now") finds the run not due and only re-plans.
 *
 * Takeover: a job whose worker died stays held until its expiry (= the store lease), then the engine
 * hands it to another worker as a retry; by then the lease is free too. A run that throws frees its
 * lease and fails its job: retried with exponential back-off. A job that finds the lease held
 * elsewhere fails the same way, so it comes back once the holder is done or its lease has expired.
 *
 * The planner, on every instance every `planIntervalMs`, plans a job for each monitored integration
 * (newly connected ones, and any whose job was lost or gave up): idempotent, since an integration
 * with a waiting job keeps it.
 */
import { randomUUID } from 'node:crypto';
import type { HealthClaim } from '../store/health-port';
import type { IntegrationStore } from '../store/port';
import { checkNow } from './check-now';
import type { HealthJob, HealthJobQueue } from './job-queue-port';
import type { HealthMonitor } from './monitor';
import { MONITORED_STATUSES } from './monitored';
import type { CheckNowOutcome } from './port';
import type { HealthScheduling } from './scheduling-port';
import { realTimers, type Timers } from './timers';
import { ActiveRuns, DEFAULT_STOP_GRACE_MS, HealthRunAbandonedError } from './active-runs';

export interface JobHealthSchedulerOptions {
  queue: HealthJobQueue;
  store: IntegrationStore;
  monitor: Pick<HealthMonitor, 'run'>;
  clock: () => Date;
  timers?: Timers;
  owner?: string;
  /** The store's health lease: as long as the queue's job expiry. */
  leaseMs: number;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** How often this instance looks for due jobs when it has free slots and found none. */
  pollIntervalMs: number;
  /** How often this instance plans a job for every monitored integration. */
  planIntervalMs: number;
  historyRetentionMs?: number;
  /** How long stop() lets runs in progress finish before abandoning them and handing them back. */
  stopGraceMs?: number;
  onError?: (error: unknown, claim?: HealthClaim) => void;
}

/** A job found the integration leased by another worker (running, or dead with its lease unexpired). */
export class HealthLeaseBusyError extends Error {
  override readonly name = 'HealthLeaseBusyError';
}

/** `abandoned`: stopped at shutdown, its lease released and its job planned again for now. */
export type JobResult = 'ran' | 'not_due' | 'not_monitored' | 'abandoned';

export class JobHealthScheduler implements HealthScheduling {
  readonly owner: string;
  private readonly timers: Timers;
  private readonly retentionMs: number;
  private readonly running = new Set<Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly runs = new ActiveRuns();
  private stopping = true;
  private loop: Promise<void> | undefined;
  private planTimer: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly options: JobHealthSchedulerOptions) {
    this.owner = options.owner ?? `health-${randomUUID()}`;
    this.timers = options.timers ?? realTimers;
    this.retentionMs = options.historyRetentionMs ?? 30 * 24 * 60 * 60 * 1000;
  }

  async start(): Promise<void> {
    if (!this.stopping) return;
    await this.options.queue.start();
    this.stopping = false;
    const plan = (): void => {
      this.planTimer = undefined;
      if (this.stopping) return;
      void this.track(this.plan())
        // Planned jobs may be due now: look at once rather than at the next poll.
        .then(() => this.wake?.())
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopping) this.planTimer = this.timers.setTimeout(plan, this.options.planIntervalMs);
        });
    };
    plan();
    this.loop = this.pump();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.planTimer !== undefined) this.timers.clearTimeout(this.planTimer);
    this.planTimer = undefined;
    this.wake?.();
    await this.loop;
    const { store, onError } = this.options;
    await this.runs.drain(
      { store, owner: this.owner, timers: this.timers, ...(onError ? { onError } : {}) },
      this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    );
    while (this.inFlight.size > 0 || this.running.size > 0)
      await Promise.allSettled([...this.inFlight, ...this.running]);
    await this.options.queue.stop();
  }

  checkNow(tenantId: string): Promise<CheckNowOutcome> {
    const { store, monitor, clock, leaseMs, onError } = this.options;
    return this.track(
      checkNow(
        {
          store,
          monitor,
          clock,
          owner: this.owner,
          leaseMs,
          runs: this.runs,
          ...(onError ? { onError } : {}),
        },
        tenantId,
      ),
    );
  }

  /** Plans a job for every monitored integration (existing waiting jobs keep their time); prunes history. */
  async plan(): Promise<void> {
    const { store, queue } = this.options;
    const now = this.options.clock();
    const integrations = await store.listIntegrations({ status: MONITORED_STATUSES });
    await queue.plan(
      integrations.map((i) => ({ tenantId: i.tenantId, integrationId: i.id, startAfter: now.toISOString() })),
    );
    await store.pruneHealthResults(new Date(now.getTime() - this.retentionMs));
  }

  /** Runs one job; throws (the job is retried with back-off) when the run throws or the lease is busy. */
  async runJob(job: HealthJob): Promise<JobResult> {
    const { store, queue, monitor } = this.options;
    const { tenantId, integrationId } = job.data;
    const now = this.options.clock();
    // Claim first (one statement in the common case); whether the run is due is read from the claim.
    const claim = await store.claimHealthCheck({
      tenantId,
      owner: this.owner,
      now,
      leaseMs: this.options.leaseMs,
      statuses: MONITORED_STATUSES,
    });
    if (!claim) {
      const integration = await store.getIntegration(tenantId);
      // Disconnected or replaced: the planner plans whatever replaced it.
      if (
        !integration ||
        integration.id !== integrationId ||
        !MONITORED_STATUSES.includes(integration.status)
      )
        return 'not_monitored';
      throw new HealthLeaseBusyError(`The health lease of integration ${integrationId} is held elsewhere.`);
    }
    if (claim.integration.id !== integrationId) {
      await store.releaseHealthLease(claim.integration.id, tenantId, this.owner);
      return 'not_monitored';
    }
    if (Date.parse(claim.health.nextRunAt) > now.getTime()) {
      // Early (a "check now" ran since it was planned) or a duplicate: only re-plan.
      await store.releaseHealthLease(integrationId, tenantId, this.owner);
      await queue.plan([{ tenantId, integrationId, startAfter: claim.health.nextRunAt }]);
      return 'not_due';
    }
    let nextRunAt: string;
    try {
      nextRunAt = (await this.runs.run(claim, (signal) => monitor.run(claim, this.owner, { signal })))
        .nextRunAt;
    } catch (error) {
      // Free the lease so the engine's back-off, not the lease, decides when to try again.
      await store
        .releaseHealthLease(integrationId, tenantId, this.owner)
        .catch((release: unknown) => this.options.onError?.(release, claim));
      if (!(error instanceof HealthRunAbandonedError)) throw error;
      // Shutting down: due again now, for whichever instance fetches it first.
      await queue.plan([{ tenantId, integrationId, startAfter: now.toISOString() }]);
      return 'abandoned';
    }
    await queue.plan([{ tenantId, integrationId, startAfter: nextRunAt }]);
    return 'ran';
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /**
   * Fetches as many jobs as there are free slots, a quarter of the slots at least (each fetch sorts
   * the due jobs: one fetch per finished run would cost that sort per run); waits for runs to free
   * slots, or polls when the queue had nothing more due.
   */
  private async pump(): Promise<void> {
    const { queue, concurrency } = this.options;
    const batch = Math.max(1, Math.ceil(concurrency / 4));
    while (!this.stopping) {
      const free = concurrency - this.running.size;
      let drained = false;
      if (free >= batch || this.running.size === 0) {
        try {
          const jobs = await queue.fetch(free);
          drained = jobs.length < free;
          if (this.stopping) {
            await this.handBack(jobs);
            break;
          }
          for (const job of jobs) this.startJob(job);
        } catch (error) {
          drained = true;
          this.options.onError?.(error);
        }
      }
      if (this.stopping) break;
      // Nothing more due: look again after the poll interval (or sooner, when a run ends).
      // Otherwise the next look comes when a run ends and frees a slot.
      await this.sleep(drained ? this.options.pollIntervalMs : undefined);
    }
  }

  private startJob(job: HealthJob): void {
    const { queue } = this.options;
    const run: Promise<void> = this.runJob(job)
      .then(
        () => queue.complete(job),
        (error: unknown) => {
          if (!(error instanceof HealthLeaseBusyError)) this.options.onError?.(error);
          return queue.fail(job, error);
        },
      )
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.running.delete(run);
        this.wake?.();
      });
    this.running.add(run);
  }

  /** Jobs fetched after stop(): re-planned at once for another worker, and closed here without a run. */
  private async handBack(jobs: readonly HealthJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.options.clock().toISOString();
    try {
      await this.options.queue.plan(jobs.map((j) => ({ ...j.data, startAfter: now })));
      await Promise.all(jobs.map((j) => this.options.queue.complete(j)));
    } catch (error) {
      // They expire and come back to another worker anyway.
      this.options.onError?.(error);
    }
  }

  /** Until a run finishes or stop() — or, with `ms`, at most that long. */
  private sleep(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : this.timers.setTimeout(() => done(), ms);
      const done = () => {
        if (timer !== undefined) this.timers.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }
}
