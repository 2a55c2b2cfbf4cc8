/**
 * The job engine as the health job scheduler sees it: one queue of per-integration health jobs,
 * each due at a time, handed to one worker at a time, retried with back-off when it fails, and
 * handed to another worker when the one holding it stops answering (the job's expiry).
 */

/** One planned health run of one integration. */
export interface HealthJobData {
  tenantId: string;
  integrationId: string;
}

export interface HealthJob {
  id: string;
  data: HealthJobData;
}

export interface PlannedHealthJob extends HealthJobData {
  /** Not handed out before this instant (ISO). */
  startAfter: string;
}

export interface HealthJobQueue {
  /** Connects and applies the engine's own migrations (idempotent, safe with instances starting together). */
  start(): Promise<void>;
  /** Disconnects; jobs still held expire and go to another worker. */
  stop(): Promise<void>;
  /** Up to `limit` due jobs, now held by this worker. */
  fetch(limit: number): Promise<HealthJob[]>;
  complete(job: HealthJob): Promise<void>;
  /** The job is retried after a back-off (or given up after its retries). */
  fail(job: HealthJob, error: unknown): Promise<void>;
  /**
   * Plans runs. At most one job per integration waits at a time: planning an integration that
   * already has a waiting job changes nothing (it keeps its time).
   */
  plan(jobs: readonly PlannedHealthJob[]): Promise<void>;
}
