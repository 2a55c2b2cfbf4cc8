/**
 * What runs the health checks on a schedule, as the composition root sees it: the in-process
 * scheduler (SQLite, one instance) or the job engine (PostgreSQL, any number of instances). Both
 * run `HealthMonitor.run` under the store's health lease and answer "check now" the same way.
 */
import type { CheckNow } from './port';

export interface HealthScheduling {
  /** The lease owner id this process checks under. */
  readonly owner: string;
  /** Starts checking due integrations in the background; resolves once it is under way. */
  start(): void | Promise<void>;
  /** Stops taking new work, hands back what was claimed but not started, waits for runs in progress. */
  stop(): Promise<void>;
  checkNow: CheckNow;
}
