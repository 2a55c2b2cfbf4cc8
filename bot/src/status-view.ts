/** Reads what the status card shows, for one tenant, from the store. */
import type { StatusSource } from './ports';
import type { StatusView } from './cards/status-card';

export async function loadStatusView(
  store: StatusSource,
  tenantId: string,
  conversationMutedUntil: string | undefined,
  now: Date,
): Promise<StatusView> {
  const integration = await store.getIntegration(tenantId);
  if (!integration) return { lastResults: [] };
  const health = await store.getIntegrationHealth(tenantId);
  const recent = await store.listHealthResults(tenantId, { limit: 20 });
  const lastRun = recent[0]?.runId;
  const mutedUntil =
    conversationMutedUntil && Date.parse(conversationMutedUntil) > now.getTime()
      ? conversationMutedUntil
      : undefined;
  return {
    integration,
    ...(health ? { health } : {}),
    lastResults: recent.filter((r) => r.runId === lastRun && r.integrationId === integration.id),
    ...(mutedUntil ? { mutedUntil } : {}),
  };
}
