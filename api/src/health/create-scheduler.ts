/** Wires checks, monitor and scheduler from the ports, for the composition root. */
import type { IntegrationStore } from '../store/port';
import {
  DEFAULT_HEALTH_CHECK_OPTIONS,
  HealthChecks,
  type HealthCheckDeps,
  type HealthCheckOptions,
} from './checks';
import { HealthMonitor } from './monitor';
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
