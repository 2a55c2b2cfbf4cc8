/**
 * Retention: deletes what the deployment's limits say has been kept long enough — verification
 * traces, audit rows, delivered alerts — and consent states once expired. Runs once on start, then
 * once a day on an unref'd timer (a process is never kept alive by it), and stops with the app. Each
 * kind is pruned in short batches, oldest first, so a large backlog never holds the database's write
 * lock for long, and a failure of one kind does not keep the others from being pruned. Health check
 * results are pruned by the health scheduler as it runs; their limit is configured here too.
 */
import type { IntegrationStore } from '../store/port';
import type { PruneBatch } from '../store/retention-port';
import { realTimers, type Timers } from '../health/timers';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** How long each kind of record is kept, in days (EC_RETENTION_*). */
export interface RetentionSettings {
  traceDays: number;
  auditDays: number;
  alertDays: number;
  healthResultDays: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  traceDays: 90,
  auditDays: 365,
  alertDays: 90,
  healthResultDays: 30,
};

export type PrunedKind = 'traces' | 'audit' | 'alerts' | 'consentStates';
export type PruneReport = Record<PrunedKind, number>;

export interface RetentionJobOptions {
  store: Pick<
    IntegrationStore,
    'pruneTraces' | 'pruneAudit' | 'pruneDeliveredAlerts' | 'purgeExpiredConsentStates'
  >;
  settings: RetentionSettings;
  clock: () => Date;
  timers?: Timers;
  /** Between two runs (default a day). */
  intervalMs?: number;
  /** Rows per statement. */
  batchSize?: number;
  onPruned?: (report: PruneReport) => void;
  onError?: (error: unknown, kind: PrunedKind) => void;
}

export class RetentionJob {
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private timer: unknown;
  private running: Promise<PruneReport> | undefined;
  private stopped = true;
  /** Set by stop(): a run in progress ends after its current batch. */
  private halted = false;

  constructor(private readonly options: RetentionJobOptions) {
    this.timers = options.timers ?? realTimers;
    this.intervalMs = options.intervalMs ?? DAY_MS;
    this.batchSize = options.batchSize ?? 1000;
  }

  /** Prunes now, then every `intervalMs` until `stop()`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    const tick = (): void => {
      this.timer = undefined;
      void this.runOnce().finally(() => {
        if (!this.stopped) this.timer = this.timers.setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  /** Stops the timer and waits for a run in progress, which ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every kind; a pass already running is joined, not doubled. */
  runOnce(): Promise<PruneReport> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(): Promise<PruneReport> {
    const { store, settings } = this.options;
    const now = this.options.clock();
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const report: PruneReport = {
      traces: await this.inBatches('traces', (b) => store.pruneTraces(b), before(settings.traceDays)),
      audit: await this.inBatches('audit', (b) => store.pruneAudit(b), before(settings.auditDays)),
      alerts: await this.inBatches(
        'alerts',
        (b) => store.pruneDeliveredAlerts(b),
        before(settings.alertDays),
      ),
      consentStates: await this.guarded('consentStates', () => store.purgeExpiredConsentStates(now)),
    };
    this.options.onPruned?.(report);
    return report;
  }

  /** Batch after batch until one comes back short, or the job is stopped. */
  private inBatches(kind: PrunedKind, prune: (batch: PruneBatch) => Promise<number>, before: Date) {
    return this.guarded(kind, async () => {
      let total = 0;
      for (;;) {
        const deleted = await prune({ before, limit: this.batchSize });
        total += deleted;
        if (deleted < this.batchSize || this.halted) return total;
      }
    });
  }

  private async guarded(kind: PrunedKind, work: () => Promise<number>): Promise<number> {
    try {
      return await work();
    } catch (error) {
      this.options.onError?.(error, kind);
      return 0;
    }
  }
}
