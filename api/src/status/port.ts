/**
 * The one connection status as its readers see it (the tab's API, the bot, the CLI): types only,
 * so the bot can depend on them through its ports. Computed in connection-status.ts.
 */
import type { HealthResult, IntegrationHealth } from '../store/health-types';
import type { Integration, VerificationTrace } from '../store/types';

export type Headline =
  | 'not_connected'
  | 'connecting'
  | 'pending'
  | 'needs_attention'
  | 'checking'
  | 'healthy'
  | 'degraded'
  | 'failing';

export type Tone = 'neutral' | 'success' | 'warning' | 'danger';

export type NoteKind =
  | 'admin_left'
  | 'ews_retiring'
  | 'ews_ended'
  | 'room_scope'
  | 'certificate_expiring'
  | 'earlier_verification_failed';

export interface StatusNote {
  kind: NoteKind;
  text: string;
}

/** What decides a headline that is not good news: a failed verification or a health check. */
export interface StatusCause {
  source: 'verification' | 'health';
  /** What failed, as admins read it ("Mailbox access", "Room calendars", …). */
  label: string;
  code: string;
  message: string;
  remediation: string;
}

export interface RoomStatus {
  address: string;
  name?: string;
  reachable: boolean;
  code?: string;
  remediation?: string;
  checkedAt: string;
  /** The newest word on this room: a health run, or the last verification. */
  source: 'health' | 'verification';
}

export interface ConnectionStatus {
  headline: Headline;
  /** What the connection is: "Exchange Online over Microsoft Graph", "Exchange Server (EWS)". */
  connection?: string;
  tone: Tone;
  title: string;
  summary: string;
  cause?: StatusCause;
  notes: StatusNote[];
  /** Exchange Online: when our app certificate expires (from the last health run). */
  certificate?: { notAfter: string; daysLeft: number };
  rooms: RoomStatus[];
}

export interface StatusReport {
  integration?: Integration;
  latestTrace?: VerificationTrace;
  health?: IntegrationHealth;
  /** Newest first, several runs. */
  recentResults: HealthResult[];
  status: ConnectionStatus;
}

/** The status of a tenant as of now. */
export type StatusReader = (tenantId: string) => Promise<StatusReport>;
