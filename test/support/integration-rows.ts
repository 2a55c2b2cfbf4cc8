/** Store rows that tests need in place before the part they test. */
import type { IntegrationStore } from '../../api/src/store/port';
import type { IntegrationStatus } from '../../api/src/store/types';

/** Saves the tenant and its first (modern) integration, verified by its admin an hour before `nowMs`. */
export async function connectIntegration(
  store: IntegrationStore,
  tenantId: string,
  nowMs: number,
  status: IntegrationStatus = 'verified',
) {
  await store.upsertTenant({ id: tenantId });
  return store.saveIntegration(
    {
      id: `int-${tenantId}`,
      tenantId,
      method: 'modern',
      status,
      verifiedMailbox: `admin@${tenantId}`,
      verifiedAt: new Date(nowMs - 3600_000).toISOString(),
    },
    { expectedVersion: 0 },
  );
}
