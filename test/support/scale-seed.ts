/**
 * A sandbox of N generated Exchange Online tenants with admin consent granted, and a store seeded
 * directly with one verified Microsoft Graph integration per tenant (as connect would leave it), for
 * the scale tests and benchmarks: nothing but the health checks needs to run against the sandbox.
 */
import type { IntegrationStore } from '../../api/src/store/port';
import { generatedAdmin, generatedDomain, generatedTenantId } from '../../sandbox/src/seed-generator';
import type { TestSandbox } from './sandbox';

/** Admin consent for tenants 1…n, `parallel` control calls at a time. */
export async function consentAll(sandbox: TestSandbox, n: number, parallel = 16): Promise<void> {
  let next = 1;
  const worker = async () => {
    for (let i = next++; i <= n; i = next++) {
      const res = await sandbox.control('POST', '/entra/consent', { tenant: generatedDomain(i) });
      if (res.status !== 201) throw new Error(`consent for ${generatedDomain(i)} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export const graphIntegrationId = (i: number) => `int-graph-${String(i).padStart(5, '0')}`;

/** Tenants 1…n, each with a verified Graph integration whose verification opened the admin's mailbox. */
export async function seedGraphIntegrations(
  store: IntegrationStore,
  n: number,
  nowMs: number,
): Promise<void> {
  const at = new Date(nowMs - 3600_000).toISOString();
  for (let i = 1; i <= n; i++) {
    const tenantId = generatedTenantId(i);
    await store.upsertTenant({ id: tenantId, displayName: `Tenant ${i}` });
    await store.saveIntegration(
      {
        id: graphIntegrationId(i),
        tenantId,
        method: 'modern',
        protocol: 'graph',
        status: 'verified',
        verifiedMailbox: generatedAdmin(i),
        verifiedAt: at,
        consentedBy: generatedAdmin(i),
        consentedAt: at,
      },
      { expectedVersion: 0 },
    );
  }
}
