/** Wires checks, monitor and scheduler from the ports, for the composition root. */
import type { IntegrationStore } from '../store/port';
import {
  DEFAULT_HEALTH_CHECK_OPTIONS,
  HealthChecks,
  type HealthCheckDeps,
  type HealthCheckOptions,
} from './checks';
import { JobHealthScheduler } from './job-scheduler';
import { DEFAULT_CHECK_INTERVAL_MS, HealthMonitor } from './monitor';
import { PgBossHealthQueue } from './pg-boss-queue';
import { HealthScheduler, type HealthSchedulerOptions } from './scheduler';
import type { StateMachineOptions } from './state-machine';
import { realTimers, type Timers } from './timers';

export interface HealthMonitoringDeps extends Omit<HealthCheckDeps, 'timers' | 'now'> {
  store: IntegrationStore;
  clock?: () => Date;
  timers?: Timers;
  random?: () => number;
  /** Between two runs of one integration (default 15 minutes). */
  intervalMs?: number;
  checks?: Partial<HealthCheckOptions>;
  stateMachine?: StateMachineOptions;
  scheduler?: Pick<
    HealthSchedulerOptions,
    | 'owner'
    | 'pollIntervalMs'
    | 'minPollIntervalMs'
    | 'leaseMs'
    | 'concurrency'
    | 'historyRetentionMs'
    | 'onError'
  >;
}

/** The monitor (checks + state machine + outbox writes) both schedulers run. */
export function createHealthMonitor(deps: HealthMonitoringDeps): HealthMonitor {
  const { store, clock = () => new Date(), timers = realTimers } = deps;
  const checks = new HealthChecks(
    { ...deps, timers, now: () => clock().getTime() },
    { ...DEFAULT_HEALTH_CHECK_OPTIONS, ...deps.checks },
  );
  return new HealthMonitor({
    store,
    checks,
    clock,
    ...(deps.intervalMs !== undefined ? { intervalMs: deps.intervalMs } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.stateMachine ? { stateMachine: deps.stateMachine } : {}),
  });
}

/** The in-process scheduler (SQLite). */
export function createHealthScheduler(deps: HealthMonitoringDeps): HealthScheduler {
  const { store, clock = () => new Date(), timers = realTimers } = deps;
  const monitor = createHealthMonitor(deps);
  return new HealthScheduler({ store, monitor, clock, timers, ...deps.scheduler });
}

export interface JobSchedulingDeps extends HealthMonitoringDeps {
  /** The PostgreSQL database the store uses; pg-boss keeps its tables in schema `pgboss` there. */
  connectionString: string;
  leaseMs: number;
  concurrency: number;
  /** How long health results are kept (EC_RETENTION_HEALTH_RESULT_DAYS). */
  historyRetentionMs?: number;
  onError?: (error: unknown) => void;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * The job-engine scheduler (PostgreSQL). Its timings follow the interval and the lease: planning a
 * few times per interval (new integrations wait at most that long), polling for due jobs every
 * 0.5–2 s, expiring held jobs within a tenth of the lease, retrying after 1–30 s, doubled per retry.
 */
export function createJobHealthScheduler(deps: JobSchedulingDeps): JobHealthScheduler {
  const { store, clock = () => new Date(), timers = realTimers } = deps;
  const intervalMs = deps.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const queue = new PgBossHealthQueue({
    connectionString: deps.connectionString,
    expireInMs: deps.leaseMs,
    retryDelayMs: clamp(intervalMs / 30, 1_000, 30_000),
    maintenanceIntervalMs: clamp(deps.leaseMs / 10, 1_000, 60_000),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  return new JobHealthScheduler({
    queue,
    store,
    monitor: createHealthMonitor(deps),
    clock,
    timers,
    leaseMs: deps.leaseMs,
    concurrency: deps.concurrency,
    pollIntervalMs: clamp(intervalMs / 100, 500, 2_000),
    planIntervalMs: clamp(intervalMs / 4, 1_000, 60_000),
    ...(deps.historyRetentionMs !== undefined ? { historyRetentionMs: deps.historyRetentionMs } : {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
