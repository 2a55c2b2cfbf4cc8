/**
 * Verification: an integration counts as established only when the app opens the signed-in
 * admin's mailbox (or a room the admin picked). Returns the step trace the tab, the CLI and the
 * bot render: endpoint, token, permission / credentials, mailbox, rooms.
 */
import { ExchangeConnectError, type Diagnostic } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { AppTokenProvider } from '../identity/port';
import type { EwsConnection, ExchangeGateway } from '../exchange/port';
import type { SecretVault } from '../secrets/port';
import type { Integration, JsonObject, VerificationOutcome, VerificationStep } from '../store/types';
import { runStep, stepFromDiagnostic, type StepName } from './steps';

export const FULL_ACCESS_AS_APP = 'full_access_as_app';
export const DEFAULT_PENDING_WINDOW_MS = 10 * 60 * 1000;

export interface RoomCheck {
  address: string;
  name: string;
  reachable: boolean;
  code?: string;
}

export interface RoomsSummary {
  roomLists: number;
  rooms: RoomCheck[];
}

export interface VerificationDeps {
  appId: string;
  exchangeOnlineEwsUrl: string;
  tokens: AppTokenProvider;
  exchange: ExchangeGateway;
  vault: SecretVault;
  /** Throws ExchangeConnectError when credentials must not go to this URL (http, private hosts). */
  checkEndpoint(url: string): Promise<void>;
  discoverRooms(connection: EwsConnection, actingAs: string): Promise<RoomsSummary>;
  now(): number;
}

export type VerifiableIntegration = Pick<
  Integration,
  'tenantId' | 'method' | 'ewsUrl' | 'serviceAccount' | 'secretId' | 'consentedAt'
>;

export interface VerificationRequest {
  integration: VerifiableIntegration;
  mailbox: string;
  /** How long after consent a missing permission counts as "not applied yet" rather than failed. */
  pendingWindowMs?: number;
  /** 0 for the first check; later re-checks back off further. */
  attempt?: number;
  /** Called as each step settles, for live progress. */
  onStep?(step: VerificationStep): void;
}

export interface VerificationResult {
  outcome: VerificationOutcome;
  mailbox: string;
  startedAt: string;
  finishedAt: string;
  steps: VerificationStep[];
  /** The diagnostic that decided a failed or pending outcome. */
  diagnostic?: Diagnostic;
  /** When pending: check again after this long. */
  retryAfterMs?: number;
}

/** 5 s, 10 s, 20 s, 40 s, then every 60 s. */
export function pendingBackoffMs(attempt: number): number {
  return Math.min(60_000, 5_000 * 2 ** Math.max(0, attempt));
}

class Trace {
  readonly steps: VerificationStep[] = [];
  constructor(private readonly onStep?: (step: VerificationStep) => void) {}
  add(step: VerificationStep): void {
    this.steps.push(step);
    this.onStep?.(step);
  }
}

export async function verifyIntegration(
  deps: VerificationDeps,
  request: VerificationRequest,
): Promise<VerificationResult> {
  const startedAt = new Date(deps.now()).toISOString();
  const trace = new Trace(request.onStep);
  const { integration, mailbox } = request;
  const ewsUrl = integration.method === 'modern' ? deps.exchangeOnlineEwsUrl : (integration.ewsUrl ?? '');
  const ctx: RemediationContext = {
    appId: deps.appId,
    mailbox,
    ewsUrl,
    ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
  };
  const consentAgeMs = integration.consentedAt ? deps.now() - Date.parse(integration.consentedAt) : Infinity;
  const withinPendingWindow = consentAgeMs < (request.pendingWindowMs ?? DEFAULT_PENDING_WINDOW_MS);

  const finish = (outcome: VerificationOutcome, diagnostic?: Diagnostic): VerificationResult => ({
    outcome,
    mailbox,
    startedAt,
    finishedAt: new Date(deps.now()).toISOString(),
    steps: trace.steps,
    ...(diagnostic ? { diagnostic } : {}),
    ...(outcome === 'pending' ? { retryAfterMs: pendingBackoffMs(request.attempt ?? 0) } : {}),
  });
  /** A permission not granted yet, shortly after consent, is Microsoft 365 still applying it. */
  const pendingOrFailed = (name: StepName, started: number, diagnostic: Diagnostic): VerificationResult => {
    if (diagnostic.kind === 'consent_missing' && withinPendingWindow) {
      const pending: Diagnostic = {
        kind: 'consent_pending',
        code: diagnostic.code,
        message: 'Admin consent was granted; Microsoft 365 is still applying it.',
        remediation: remediationFor('consent_pending', ctx),
      };
      trace.add(stepFromDiagnostic(name, 'pending', deps.now() - started, pending));
      return finish('pending', pending);
    }
    trace.add(stepFromDiagnostic(name, 'failed', deps.now() - started, diagnostic));
    return finish('failed', diagnostic);
  };

  const endpoint = await runStep('endpoint', deps.now, ctx, async () => {
    await deps.checkEndpoint(ewsUrl);
    return { value: ewsUrl, detail: { url: ewsUrl, method: integration.method } };
  });
  trace.add(endpoint.step);
  if (!endpoint.ok) return finish('failed', endpoint.diagnostic);

  let connection: EwsConnection;
  if (integration.method === 'modern') {
    const tokenStarted = deps.now();
    const token = await runStep('token', deps.now, ctx, async () => {
      const t = await deps.tokens.getExchangeToken(integration.tenantId);
      return { value: t, detail: { expiresOn: t.expiresOn.toISOString(), roles: t.roles } };
    });
    if (!token.ok) return pendingOrFailed('token', tokenStarted, token.diagnostic);
    trace.add(token.step);

    const roles = token.value.roles;
    if (!roles.includes(FULL_ACCESS_AS_APP)) {
      return pendingOrFailed('permission', deps.now(), {
        kind: 'consent_missing',
        code: 'NoFullAccessAsAppRole',
        message: `The token has no ${FULL_ACCESS_AS_APP} role (roles: ${roles.join(', ') || 'none'}).`,
        remediation: remediationFor('consent_missing', ctx),
      });
    }
    trace.add({ name: 'permission', status: 'ok', durationMs: 0, detail: { roles } });
    connection = {
      method: 'modern',
      tenantId: integration.tenantId,
      ewsUrl,
      accessToken: token.value.accessToken,
    };
  } else {
    const secretId = integration.secretId;
    const credentials = await runStep('credentials', deps.now, ctx, async () => {
      if (!secretId || !integration.serviceAccount) {
        throw new ExchangeConnectError({
          kind: 'secret_unavailable',
          code: 'NoServiceAccount',
          message: 'No service account is stored for this connection.',
          remediation: remediationFor('secret_unavailable', ctx),
        });
      }
      return {
        value: await deps.vault.readPassword(secretId),
        detail: { serviceAccount: integration.serviceAccount },
      };
    });
    trace.add(credentials.step);
    if (!credentials.ok) return finish('failed', credentials.diagnostic);
    connection = {
      method: 'basic',
      tenantId: integration.tenantId,
      ewsUrl,
      username: integration.serviceAccount ?? '',
      password: credentials.value,
    };
  }

  const mailboxStarted = deps.now();
  const opened = await runStep('mailbox', deps.now, ctx, async () => {
    const folder = await deps.exchange.openCalendar(connection, mailbox);
    const detail: JsonObject = { mailbox, calendar: folder.displayName, items: folder.totalCount };
    return { value: folder, detail };
  });
  if (!opened.ok) return pendingOrFailed('mailbox', mailboxStarted, opened.diagnostic);
  trace.add(opened.step);

  // Rooms are reported, not required: the integration is established once the mailbox opened.
  const rooms = await runStep('rooms', deps.now, ctx, async () => {
    const summary = await deps.discoverRooms(connection, mailbox);
    const detail: JsonObject = {
      roomLists: summary.roomLists,
      rooms: summary.rooms.map((r) => ({ ...r })),
      reachable: summary.rooms.filter((r) => r.reachable).length,
    };
    return { value: summary, detail };
  });
  trace.add(rooms.step);
  return finish('verified');
}
