/** How each health check is named to admins: in alerts, the bot's cards and the tab. */
import type { CheckName } from '../store/health-types';

export const CHECK_LABELS: Record<CheckName, string> = {
  token: 'App-only token',
  certificate: 'App certificate',
  secret: 'Service account password',
  mailbox: 'Mailbox access',
  rooms: 'Room calendars',
  ewsAllowList: 'EWS allow list',
};
