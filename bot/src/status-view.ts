/** What the status card shows for one conversation: its tenant's one status, read through the bot's port. */
import type { ConversationSubscription } from '../../api/src/store/conversation-types';
import type { StatusReader } from './ports';
import type { StatusView } from './cards/status-card';

export async function loadStatusView(
  readStatus: StatusReader,
  subscription: Pick<ConversationSubscription, 'tenantId' | 'scope' | 'mutedUntil' | 'channelAlerts'>,
  now: Date,
): Promise<StatusView> {
  const report = await readStatus(subscription.tenantId);
  const lastRun = report.recentResults[0]?.runId;
  const mutedUntil =
    subscription.mutedUntil && Date.parse(subscription.mutedUntil) > now.getTime()
      ? subscription.mutedUntil
      : undefined;
  return {
    status: report.status,
    ...(report.integration ? { integration: report.integration } : {}),
    ...(report.health ? { health: report.health } : {}),
    // Newest first from the store: reversed, the run reads in the order it ran.
    lastResults: report.recentResults.filter((r) => r.runId === lastRun).reverse(),
    ...(mutedUntil ? { mutedUntil } : {}),
    ...(subscription.scope === 'team' ? { channelAlerts: subscription.channelAlerts?.state ?? 'off' } : {}),
  };
}
