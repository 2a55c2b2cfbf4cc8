/** What the status card shows for one tenant: the one status, read through the bot's port. */
import type { StatusReader } from './ports';
import type { StatusView } from './cards/status-card';

export async function loadStatusView(
  readStatus: StatusReader,
  tenantId: string,
  conversationMutedUntil: string | undefined,
  now: Date,
): Promise<StatusView> {
  const report = await readStatus(tenantId);
  const lastRun = report.recentResults[0]?.runId;
  const mutedUntil =
    conversationMutedUntil && Date.parse(conversationMutedUntil) > now.getTime()
      ? conversationMutedUntil
      : undefined;
  return {
    status: report.status,
    ...(report.integration ? { integration: report.integration } : {}),
    ...(report.health ? { health: report.health } : {}),
    // Newest first from the store: reversed, the run reads in the order it ran.
    lastResults: report.recentResults.filter((r) => r.runId === lastRun).reverse(),
    ...(mutedUntil ? { mutedUntil } : {}),
  };
}
