/**
 * The one status of a tenant's Exchange connection, computed here and only here, rendered by the
 * tab, the bot's status card and the CLI: the connection's own state (consent, verification)
 * combined with health, under one headline rule — the newest evidence wins. Verification and
 * health can never tell different stories, because nobody else decides the headline.
 */
import type { ErrorKind } from '../errors';
import { CHECK_LABELS } from '../health/port';
import { EWS_SHUTDOWN_DATE, daysUntilEwsEnds } from '../powershell-commands';
import { roomRemediation } from '../remediation';
import type { HealthResult, IntegrationHealth } from '../store/health-types';
import type { Integration, JsonObject, JsonValue, VerificationTrace } from '../store/types';
import { protocolName } from '../vocabulary';
import type { ConnectionStatus, RoomStatus, StatusNote } from './port';

export type { ConnectionStatus } from './port';

export interface StatusInput {
  integration: Integration | undefined;
  latestTrace?: VerificationTrace | undefined;
  health?: IntegrationHealth | undefined;
  /** Recent health results, newest first (several runs: rooms are sampled a few per run). */
  recentResults: readonly HealthResult[];
  now: Date;
  appId: string;
}

const HEALTH_HEADLINES = {
  healthy: { tone: 'success', title: 'Exchange is connected and healthy' },
  degraded: { tone: 'warning', title: 'Exchange is connected, with warnings' },
  failing: { tone: 'danger', title: 'The Exchange connection is failing' },
} as const;

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NEGATIVE_INFINITY);

export function connectionStatus(input: StatusInput): ConnectionStatus {
  const { integration, health } = input;
  if (!integration || integration.status === 'disconnected') {
    return {
      headline: 'not_connected',
      tone: 'neutral',
      title: 'Exchange is not connected',
      summary: 'A Global Administrator connects Exchange from the Exchange Connect tab.',
      notes: [],
      rooms: [],
    };
  }
  const trace = input.latestTrace?.integrationId === integration.id ? input.latestTrace : undefined;
  const lastRun = lastRunOf(input.recentResults, integration.id);
  const base = {
    connection: connectionLabel(integration),
    notes: notesOf(integration, lastRun, input.now),
    rooms: roomsOf(trace, input.recentResults, integration, input.appId),
    ...certificateOf(lastRun),
  };
  if (integration.status === 'pending_consent' || integration.status === 'verifying') {
    return {
      ...base,
      headline: 'connecting',
      tone: 'neutral',
      title: 'Connecting Exchange',
      summary: 'Exchange Connect is verifying the connection.',
    };
  }
  if (integration.status === 'pending') {
    return {
      ...base,
      headline: 'pending',
      tone: 'warning',
      title: 'Waiting for Microsoft 365',
      summary:
        'Admin consent was granted; Microsoft 365 is still applying it. Exchange Connect keeps checking.',
    };
  }

  // The newest evidence wins: a health run after the last verification speaks for the connection.
  const verificationAt = ms(trace?.finishedAt ?? integration.verifiedAt ?? integration.updatedAt);
  const healthNewer = health?.lastRunAt !== undefined && ms(health.lastRunAt) >= verificationAt;
  if (integration.status === 'failed' && !healthNewer) {
    const error = integration.lastError;
    return {
      ...base,
      headline: 'needs_attention',
      tone: 'danger',
      title: 'Exchange needs attention',
      summary: error ? `The last verification failed: ${error.message}` : 'The last verification failed.',
      ...(error
        ? {
            cause: {
              source: 'verification',
              label: failedStepLabel(trace),
              code: error.code,
              message: error.message,
              remediation: error.remediation,
            },
          }
        : {}),
    };
  }
  if (!health || !healthNewer) {
    const next = health?.nextRunAt ? ` The next health check runs at ${health.nextRunAt}.` : '';
    return {
      ...base,
      headline: 'checking',
      tone: 'success',
      title: 'Exchange is connected',
      summary: `Verified over ${protocolName(integration)}.${next}`,
    };
  }
  const worst = lastRun.find((r) => r.status === 'fail') ?? lastRun.find((r) => r.status === 'warn');
  // Damping keeps the state healthy through one bad run; the headline still must not say
  // "healthy" above a check that just failed.
  const state = health.state === 'healthy' && worst ? 'degraded' : health.state;
  const headline = HEALTH_HEADLINES[state];
  const notes =
    integration.status === 'failed'
      ? [
          ...base.notes,
          {
            kind: 'earlier_verification_failed' as const,
            text: 'The last verification failed, but the health checks since then tell how the connection is now.',
          },
        ]
      : base.notes;
  return {
    ...base,
    notes,
    headline: state,
    tone: headline.tone,
    title: headline.title,
    summary: summaryOf(health.state, worst),
    ...(worst?.diagnostic
      ? {
          cause: {
            source: 'health',
            label: CHECK_LABELS[worst.check],
            code: worst.diagnostic.code,
            message: worst.diagnostic.message,
            remediation: worst.diagnostic.remediation,
          },
        }
      : {}),
  };
}

function connectionLabel(integration: Integration): string {
  return integration.method === 'modern'
    ? `Exchange Online over ${protocolName(integration)}`
    : 'Exchange Server over EWS (service account)';
}

function summaryOf(state: IntegrationHealth['state'], worst: HealthResult | undefined): string {
  if (!worst) return 'Every health check passed in the last run.';
  const what = CHECK_LABELS[worst.check];
  if (state === 'failing') return `${what} is failing.`;
  if (state === 'healthy')
    return `${what} ${worst.status === 'fail' ? 'failed' : 'warned'} in the last run; Exchange Connect checks again before alerting anyone.`;
  return `${what} needs a look.`;
}

/** The last run's results of this integration, in the order they ran. */
function lastRunOf(recent: readonly HealthResult[], integrationId: string): HealthResult[] {
  const mine = recent.filter((r) => r.integrationId === integrationId);
  const runId = mine[0]?.runId;
  return mine.filter((r) => r.runId === runId).reverse();
}

function failedStepLabel(trace: VerificationTrace | undefined): string {
  const step = trace?.steps.find((s) => s.status === 'failed');
  return step ? (STEP_CAUSE_LABELS[step.name] ?? 'Verification') : 'Verification';
}

const STEP_CAUSE_LABELS: Partial<Record<string, string>> = {
  endpoint: 'Endpoint',
  token: 'App-only token',
  permission: 'Permissions',
  credentials: 'Service account password',
  mailbox: 'Mailbox access',
  scope: 'Room-only scope',
  rooms: 'Room calendars',
};

function notesOf(integration: Integration, lastRun: readonly HealthResult[], now: Date): StatusNote[] {
  const notes: StatusNote[] = [];
  const mailbox = lastRun.find((r) => r.check === 'mailbox')?.detail;
  const scope = lastRun.find((r) => r.check === 'scope')?.detail;
  if (mailbox?.['verificationMailboxGone'] === true || scope?.['probeGone'] === true) {
    const gone = text(mailbox?.['verificationMailbox']) ?? text(scope?.['outside']) ?? 'the admin';
    notes.push({
      kind: 'admin_left',
      text: `The mailbox ${gone} no longer exists; the admin who connected may have left. The connection keeps working. Re-authenticating it later (a new consent or password) needs another Global Administrator with a mailbox.`,
    });
  }
  if (integration.method === 'modern' && (integration.protocol ?? 'ews') === 'ews') {
    const daysLeft = daysUntilEwsEnds(now);
    notes.push(
      daysLeft >= 0
        ? {
            kind: 'ews_retiring',
            text: `This connection uses EWS, which Exchange Online switches off on ${EWS_SHUTDOWN_DATE} (${daysLeft} days left). Move to Microsoft Graph before then: one new admin consent, then a verification.`,
          }
        : {
            kind: 'ews_ended',
            text: `EWS in Exchange Online was switched off on ${EWS_SHUTDOWN_DATE}: this connection cannot work any more. Move to Microsoft Graph with one new admin consent.`,
          },
    );
  }
  if (integration.accessScope === 'rooms') {
    notes.push({
      kind: 'room_scope',
      text: `Limited to room mailboxes (RBAC for Applications), proven: ${integration.verificationMailbox ?? 'a room'} opens and a user mailbox is refused. Health keeps checking both.`,
    });
  }
  const certificate = lastRun.find((r) => r.check === 'certificate');
  if (certificate?.status === 'warn' || certificate?.status === 'fail') {
    notes.push({
      kind: 'certificate_expiring',
      text: certificate.diagnostic?.message ?? 'The app certificate expires soon.',
    });
  }
  return notes;
}

function certificateOf(lastRun: readonly HealthResult[]): { certificate?: ConnectionStatus['certificate'] } {
  const detail = lastRun.find((r) => r.check === 'certificate')?.detail;
  const notAfter = text(detail?.['notAfter']);
  const daysLeft = detail?.['daysLeft'];
  return notAfter && typeof daysLeft === 'number' ? { certificate: { notAfter, daysLeft } } : {};
}

/**
 * Every room the last verification listed, each with the newest word on it: a health run's sample
 * when one read it later, else the verification's own result.
 */
function roomsOf(
  trace: VerificationTrace | undefined,
  recent: readonly HealthResult[],
  integration: Integration,
  appId: string,
): RoomStatus[] {
  const ctx = {
    appId,
    ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
  };
  const rooms = new Map<string, RoomStatus>();
  const listed = trace?.steps.find((s) => s.name === 'rooms')?.detail?.['rooms'];
  for (const room of Array.isArray(listed) ? listed : []) {
    const entry = roomEntry(room, trace?.finishedAt ?? '', 'verification', ctx);
    if (entry) rooms.set(entry.address.toLowerCase(), entry);
  }
  // Newest first: the first health word on a room is the one to keep.
  const seen = new Set<string>();
  for (const result of recent) {
    if (result.check !== 'rooms' || result.integrationId !== integration.id) continue;
    const sampled = result.detail?.['sampled'];
    for (const room of Array.isArray(sampled) ? sampled : []) {
      const entry = roomEntry(room, result.checkedAt, 'health', ctx);
      if (!entry) continue;
      const key = entry.address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const known = rooms.get(key);
      if (!known || ms(entry.checkedAt) >= ms(known.checkedAt)) {
        rooms.set(key, { ...entry, ...(known?.name ? { name: known.name } : {}) });
      }
    }
  }
  return [...rooms.values()];
}

function roomEntry(
  value: JsonValue,
  checkedAt: string,
  source: RoomStatus['source'],
  ctx: { appId: string; serviceAccount?: string },
): RoomStatus | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const room = value as JsonObject;
  const address = text(room['address']);
  if (!address) return undefined;
  const reachable = room['reachable'] === true;
  const name = text(room['name']);
  const code = text(room['code']);
  const kind = text(room['kind']) as ErrorKind | undefined;
  return {
    address,
    ...(name && name !== address ? { name } : {}),
    reachable,
    ...(code ? { code } : {}),
    ...(!reachable ? { remediation: roomRemediation(kind ?? 'unexpected', address, ctx) } : {}),
    checkedAt,
    source,
  };
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
