/**
 * The health runs a scheduler has in progress, so a shutdown can end them: after a grace period
 * the runs still going are aborted (their requests end; nothing of theirs is recorded) and their
 * leases released, so another instance checks those integrations at once instead of after the lease
 * expires. A run that finishes within the grace period writes its results as usual.
 */
import type { HealthClaim } from '../store/health-port';
import type { IntegrationStore } from '../store/port';
import type { Timers } from './timers';

/** How long runs in progress may finish at shutdown: well inside SIGTERM-to-SIGKILL (often 10–30 s). */
export const DEFAULT_STOP_GRACE_MS = 5_000;

/** The reason a run abandoned at shutdown ends with; never recorded as a check result. */
export class HealthRunAbandonedError extends Error {
  override readonly name = 'HealthRunAbandonedError';
  constructor() {
    super('The health run was abandoned because this instance is shutting down.');
  }
}

export class ActiveRuns {
  /**
   * One controller per run, never one for the scheduler's life: the checks combine the run's signal
   * with each check's timeout (AbortSignal.any), and on Node 20 every such combination leaves a
   * trace on a long-lived source signal that is never collected.
   */
  private readonly active = new Map<Promise<unknown>, { claim: HealthClaim; controller: AbortController }>();

  /** Runs `work` for `claim`, handing it the signal that aborts if the run is abandoned at shutdown. */
  run<T>(claim: HealthClaim, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const running = work(controller.signal);
    this.active.set(running, { claim, controller });
    void running.finally(() => this.active.delete(running)).catch(() => undefined);
    return running;
  }

  /**
   * Waits up to `graceMs` for the runs in progress; then aborts the rest, waits for them to end and
   * releases their leases. Returns the claims it released.
   */
  async drain(
    deps: { store: IntegrationStore; owner: string; timers: Timers; onError?: (error: unknown) => void },
    graceMs: number,
  ): Promise<HealthClaim[]> {
    if (this.active.size > 0) {
      let timer: unknown;
      const grace = new Promise<void>((resolve) => (timer = deps.timers.setTimeout(resolve, graceMs)));
      await Promise.race([Promise.allSettled([...this.active.keys()]), grace]);
      deps.timers.clearTimeout(timer);
    }
    const abandoned = [...this.active.entries()];
    if (abandoned.length === 0) return [];
    for (const [, run] of abandoned) run.controller.abort(new HealthRunAbandonedError());
    await Promise.allSettled(abandoned.map(([running]) => running));
    const claims = abandoned.map(([, run]) => run.claim);
    const released = await Promise.allSettled(
      claims.map((c) => deps.store.releaseHealthLease(c.integration.id, c.integration.tenantId, deps.owner)),
    );
    for (const result of released) if (result.status === 'rejected') deps.onError?.(result.reason);
    return claims;
  }
}
