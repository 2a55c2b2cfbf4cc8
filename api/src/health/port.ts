/**
 * What health monitoring offers its consumers (the HTTP API, the bot, the CLI): the outcome of a
 * run, "check now", and how each check is named to admins.
 */
import type { CheckName, CheckResult, HealthAlert, HealthState } from '../store/health-types';

/** How each health check is named to admins: in alerts, the bot's cards and the tab. */
export const CHECK_LABELS: Record<CheckName, string> = {
  token: 'App-only token',
  certificate: 'App certificate',
  secret: 'Service account password',
  mailbox: 'Mailbox access',
  rooms: 'Room calendars',
  ewsAllowList: 'EWS allow list',
  scope: 'Room-only scope',
  ewsRetirement: 'EWS in Exchange Online',
};

export interface HealthRunOutcome {
  tenantId: string;
  integrationId: string;
  state: HealthState;
  results: CheckResult[];
  alert?: HealthAlert;
  nextRunAt: string;
  /** Set when Exchange or Entra throttled the run: no run before this. */
  backoffUntil?: string;
}

export type CheckNowOutcome =
  | { status: 'checked'; outcome: HealthRunOutcome }
  | { status: 'throttled'; retryAfterMs: number }
  | { status: 'busy' }
  | { status: 'not_connected' };

/** The health scheduler's "check now": resolves once the run is recorded. */
export type CheckNow = (tenantId: string) => Promise<CheckNowOutcome>;
