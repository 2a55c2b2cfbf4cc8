/**
 * Who an alert may reach, decided when it is delivered (not when it is planned), so a demotion or
 * an `alerts off` between the two is honoured: a personal chat whose user is a recognised admin
 * right now, or a team conversation a recognised admin chose with `alerts on`. The choice stands
 * until an admin says `alerts off` (or the bot is removed): the channel is the team's, and its
 * alerts must not stop silently because the admin who chose it has not opened the tab lately.
 */
import type { ConversationSubscription } from '../../api/src/store/conversation-types';
import type { RecognisedAdmins } from './ports';

export async function receivesAlerts(
  subscription: Pick<ConversationSubscription, 'tenantId' | 'scope' | 'installedBy' | 'channelAlerts'>,
  admins: RecognisedAdmins,
): Promise<boolean> {
  if (subscription.scope === 'team') return subscription.channelAlerts?.state === 'on';
  // A personal chat has one user: the one whose install (or reinstall) subscribed it.
  return admins.isRecognised(subscription.tenantId, subscription.installedBy);
}
