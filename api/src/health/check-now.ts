/**
 * "Check now" for one tenant, shared by both schedulers: lease the tenant's integration whatever
 * its due time, refuse while another worker holds it (busy) or while Exchange asked us to wait
 * (throttled), otherwise run it at once and answer with the outcome.
 */
import type { HealthClaim } from '../store/health-port';
import type { IntegrationStore } from '../store/port';
import type { HealthMonitor, HealthRunOptions } from './monitor';
import type { CheckNowOutcome, HealthRunOutcome } from './port';
import { MONITORED_STATUSES } from './monitored';
import { HealthRunAbandonedError, type ActiveRuns } from './active-runs';

export interface CheckNowDeps {
  store: IntegrationStore;
  monitor: Pick<HealthMonitor, 'run'>;
  clock: () => Date;
  owner: string;
  leaseMs: number;
  /** A run that throws; its lease is kept until it expires (a natural back-off). */
  onError?: (error: unknown, claim?: HealthClaim) => void;
  /** The scheduler's runs in progress, which a shutdown abandons after its grace period. */
  runs?: ActiveRuns;
}

/** Runs one claimed integration; a run that throws is reported and yields undefined. */
export async function runClaimed(
  deps: Pick<CheckNowDeps, 'monitor' | 'owner' | 'onError' | 'runs'>,
  claim: HealthClaim,
  options: HealthRunOptions = {},
): Promise<HealthRunOutcome | undefined> {
  try {
    const { runs } = deps;
    return await (runs
      ? runs.run(claim, (signal) => deps.monitor.run(claim, deps.owner, { ...options, signal }))
      : deps.monitor.run(claim, deps.owner, options));
  } catch (error) {
    // Abandoned at shutdown: its lease is released for another instance; nothing went wrong.
    if (!(error instanceof HealthRunAbandonedError)) deps.onError?.(error, claim);
    return undefined;
  }
}

export async function checkNow(deps: CheckNowDeps, tenantId: string): Promise<CheckNowOutcome> {
  const { store, owner } = deps;
  const now = deps.clock();
  const claim = await store.claimHealthCheck({
    tenantId,
    owner,
    now,
    leaseMs: deps.leaseMs,
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
    await store.releaseHealthLease(claim.integration.id, tenantId, owner);
    return { status: 'throttled', retryAfterMs: waitMs };
  }
  // An admin asked: a revoked consent must show now, not when the cached token expires.
  const outcome = await runClaimed(deps, claim, { freshToken: true });
  return outcome ? { status: 'checked', outcome } : { status: 'busy' };
}
