/**
 * A Modern Authentication connection as the tab makes it, without the browser: the sandbox's admin
 * consent, the `verifying` record consent completion writes (consented an hour ago), then the
 * admin's verification, which must succeed. For tests about what happens after connecting.
 */
import { randomUUID } from 'node:crypto';
import type { AppGraph } from '../../app/src/composition';
import type { Protocol } from '../../api/src/exchange/port';
import type { SignedInUser } from '../../api/src/identity/port';
import type { VerificationResult } from '../../api/src/integrations/verification';
import type { TestSandbox } from './sandbox';

export async function consentedAndVerified(
  sandbox: Pick<TestSandbox, 'control'>,
  graph: Pick<AppGraph, 'store' | 'service'>,
  admin: SignedInUser,
  options: { domain: string; protocol?: Protocol; nowMs?: number },
): Promise<VerificationResult> {
  expect((await sandbox.control('POST', '/entra/consent', { tenant: options.domain })).status).toBe(201);
  await graph.store.upsertTenant({ id: admin.tenantId });
  await graph.store.saveIntegration(
    {
      id: randomUUID(),
      tenantId: admin.tenantId,
      method: 'modern',
      ...(options.protocol ? { protocol: options.protocol } : {}),
      status: 'verifying',
      consentedBy: admin.upn,
      consentedAt: new Date((options.nowMs ?? Date.now()) - 3600_000).toISOString(),
    },
    { expectedVersion: 0 },
  );
  const verified = await graph.service.verify(admin);
  expect(verified).toMatchObject({ outcome: 'verified' });
  return verified;
}
