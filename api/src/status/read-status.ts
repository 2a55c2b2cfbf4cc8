/**
 * Reads everything a tenant's status is made of from the store and computes the one status
 * (connection-status.ts). The tab's API, the bot and the CLI all read it here.
 */
import type { CoreStoreOperations } from '../store/port';
import type { HealthStoreOperations } from '../store/health-port';
import { connectionStatus } from './connection-status';
import type { StatusReader, StatusReport } from './port';

/** Enough runs for the rooms table: each health run samples a few rooms. */
const STATUS_RESULTS = 200;

export type StatusStore = Pick<CoreStoreOperations, 'getIntegration' | 'latestTrace'> &
  Pick<HealthStoreOperations, 'getIntegrationHealth' | 'listHealthResults'>;

export async function readStatus(
  store: StatusStore,
  tenantId: string,
  options: { now: Date; appId: string },
): Promise<StatusReport> {
  const integration = await store.getIntegration(tenantId);
  const trace = integration ? await store.latestTrace(tenantId) : undefined;
  const latestTrace = trace?.integrationId === integration?.id ? trace : undefined;
  const health = integration ? await store.getIntegrationHealth(tenantId) : undefined;
  const recentResults = health
    ? (await store.listHealthResults(tenantId, { limit: STATUS_RESULTS })).filter(
        (r) => r.integrationId === integration?.id,
      )
    : [];
  return {
    ...(integration ? { integration } : {}),
    ...(latestTrace ? { latestTrace } : {}),
    ...(health ? { health } : {}),
    recentResults,
    status: connectionStatus({ integration, latestTrace, health, recentResults, ...options }),
  };
}

/** The status of any tenant as of now, for whoever only needs to ask (the bot's port). */
export function statusReader(
  store: StatusStore,
  options: { appId: string; clock?: () => Date },
): StatusReader {
  const clock = options.clock ?? (() => new Date());
  return (tenantId) => readStatus(store, tenantId, { now: clock(), appId: options.appId });
}
