/**
 * The tenant an incoming activity speaks for. Teams puts it in `conversation.tenantId` and in
 * `channelData.tenant.id`; when both are present they must agree, or the activity answers for no
 * tenant at all.
 */
import type { Activity } from 'botbuilder';

function channelDataTenant(channelData: unknown): string | undefined {
  if (typeof channelData !== 'object' || channelData === null) return undefined;
  const tenant = (channelData as { tenant?: unknown }).tenant;
  if (typeof tenant !== 'object' || tenant === null) return undefined;
  const id = (tenant as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

export function tenantOf(activity: Partial<Activity>): string | undefined {
  const fromConversation = activity.conversation?.tenantId || undefined;
  const fromChannelData = channelDataTenant(activity.channelData);
  if (
    fromConversation &&
    fromChannelData &&
    fromConversation.toLowerCase() !== fromChannelData.toLowerCase()
  ) {
    return undefined;
  }
  return (fromConversation ?? fromChannelData)?.toLowerCase();
}
