/**
 * The health job queue on pg-boss (PostgreSQL), pinned at 10.4.2.
 *
 * Why pg-boss, and why 10.x: graphile-worker locks a job for a fixed four hours (not configurable),
 * so a check held by a dead worker would wait four hours for another; pg-boss expires a job after
 * its own `expireInSeconds`, which we set to the store's health lease so both hand the integration
 * over at the same time. pg-boss also has retries with exponential back-off per queue, a queue
 * policy that keeps at most one waiting job per key, runs its migrations at start under an advisory
 * lock (instances starting together are safe) into its own schema (`pgboss`), and is plain
 * CommonJS. pg-boss 11/12 and graphile-worker 0.18 need Node 22; the 10.x line is the newest that
 * supports Node 20, which development and CI run (production runs 22, where 10.x works as well).
 *
 * Queue policy `short`: a unique index allows one `created` job per singleton key (the integration),
 * so planning is idempotent. We do not use the `singleton` policy for "one active per key": its
 * unique index is checked inside pg-boss's fetch statement, and one conflicting row makes the whole
 * fetch fail (pg-boss swallows the error), stalling the worker. One run at a time per integration
 * is the store's health lease instead, the same guard "check now" and the SQLite scheduler use.
 *
 * pg-boss runs its statements on a pool we make, bounded like the store's: statement and connect
 * timeouts, a small size. The connection string never leaves this module.
 */
import PgBoss from 'pg-boss';
import { Pool } from 'pg';
import { z } from 'zod';
import type { HealthJob, HealthJobQueue, PlannedHealthJob } from './job-queue-port';

export const HEALTH_QUEUE = 'health-check';

export interface PgBossQueueOptions {
  connectionString: string;
  /** A job held longer than this by a worker goes to another one (the store's health lease). */
  expireInMs: number;
  /** First retry delay after a failed run; doubled per retry, with jitter. */
  retryDelayMs: number;
  retryLimit?: number;
  /** How often one instance (whichever gets there first) expires held jobs and archives old ones. */
  maintenanceIntervalMs: number;
  poolSize?: number;
  onError?: (error: unknown) => void;
}

const jobData = z.object({ tenantId: z.string().min(1), integrationId: z.string().min(1) });

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

export class PgBossHealthQueue implements HealthJobQueue {
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private started = false;

  constructor(private readonly options: PgBossQueueOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      query_timeout: 35_000,
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'exchange-connect-jobs',
      keepAlive: true,
    });
    // A broken idle connection is dropped by the pool; without a listener it would crash the process.
    this.pool.on('error', () => undefined);
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.pool.query(text, values) },
      schema: 'pgboss',
      migrate: true,
      supervise: true,
      // No cron schedules: each integration's next run is a job of its own.
      schedule: false,
      maintenanceIntervalSeconds: seconds(options.maintenanceIntervalMs),
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 1,
    });
    this.boss.on('error', (error) => options.onError?.(error));
  }

  async start(): Promise<void> {
    try {
      await this.boss.start();
      const queue = {
        name: HEALTH_QUEUE,
        policy: 'short' as const,
        retryLimit: this.options.retryLimit ?? 5,
        retryDelay: seconds(this.options.retryDelayMs),
        retryBackoff: true,
        expireInSeconds: seconds(this.options.expireInMs),
      };
      // Created once; updated so a changed lease or retry setting reaches an existing queue.
      await this.boss.createQueue(HEALTH_QUEUE, queue);
      await this.boss.updateQueue(HEALTH_QUEUE, queue);
      this.started = true;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: false, close: false, wait: true });
    this.started = false;
    if (!this.pool.ended) await this.pool.end();
  }

  async fetch(limit: number): Promise<HealthJob[]> {
    const jobs = await this.boss.fetch<unknown>(HEALTH_QUEUE, { batchSize: limit, priority: false });
    return jobs.flatMap((job) => {
      const data = jobData.safeParse(job.data);
      if (data.success) return [{ id: job.id, data: data.data }];
      // Not ours to run: put it out of the way rather than retrying it forever.
      void this.boss.cancel(HEALTH_QUEUE, job.id).catch((error: unknown) => this.options.onError?.(error));
      return [];
    });
  }

  async complete(job: HealthJob): Promise<void> {
    await this.boss.complete(HEALTH_QUEUE, job.id);
  }

  async fail(job: HealthJob, error: unknown): Promise<void> {
    // Only the error's name and message: no stack, nothing an SDK attached.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : 'run failed';
    await this.boss.fail(HEALTH_QUEUE, job.id, { message: message.slice(0, 500) });
  }

  async plan(jobs: readonly PlannedHealthJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({
        name: HEALTH_QUEUE,
        data: { tenantId: job.tenantId, integrationId: job.integrationId },
        singletonKey: job.integrationId,
        startAfter: job.startAfter,
      })),
    );
  }
}
