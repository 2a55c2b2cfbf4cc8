/**
 * Verification: an integration counts as established only when the app opens the signed-in
 * admin's mailbox (or a room the admin picked). Returns the step trace the tab, the CLI and the
 * bot render: endpoint, token, permission / credentials, mailbox, rooms.
 */
import { ExchangeConnectError, type Diagnostic, type ErrorKind } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import {
  openConnection,
  type ConnectableIntegration,
  type ConnectionDeps,
  type OpenedConnection,
  type StageResult,
} from '../exchange/open-connection';
import { discoverRooms } from '../exchange/rooms';
import { untilAborted } from '../abort';
import { probeRoomScope } from '../exchange/room-scope-probe';
import type { JsonObject, VerificationOutcome, VerificationStep } from '../store/types';
import { runStep, stepFromDiagnostic, type StepName } from './steps';

export const DEFAULT_PENDING_WINDOW_MS = 10 * 60 * 1000;
/** A whole verification, from the endpoint check to the last room (EC_VERIFICATION_DEADLINE_SECONDS). */
export const DEFAULT_VERIFICATION_DEADLINE_MS = 60_000;
/** Room calendars read per verification (EC_VERIFICATION_MAX_ROOMS); more rooms are sampled. */
export const DEFAULT_MAX_ROOMS_PER_VERIFICATION = 100;
/** Room calendars are read over the coming week. */
export const ROOM_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export interface RoomCheck {
  address: string;
  name: string;
  reachable: boolean;
  code?: string;
  kind?: ErrorKind;
}

export interface VerificationDeps extends ConnectionDeps {
  /** Wall-clock deadline of one verification; default DEFAULT_VERIFICATION_DEADLINE_MS. */
  verificationDeadlineMs?: number;
  /** Room calendars read at most; default DEFAULT_MAX_ROOMS_PER_VERIFICATION. */
  maxRoomsPerVerification?: number;
}

export type VerifiableIntegration = ConnectableIntegration;

export interface VerificationRequest {
  integration: VerifiableIntegration;
  mailbox: string;
  /** How long after consent a missing permission counts as "not applied yet" rather than failed. */
  pendingWindowMs?: number;
  /** 0 for the first check; later re-checks back off further. */
  attempt?: number;
  /** Called as each step settles, for live progress. */
  onStep?(step: VerificationStep): void;
  /** The caller gives up (a closed connection): ends the verification like its deadline. */
  signal?: AbortSignal;
  /**
   * Proving a room-only scope: `mailbox` is a room, and `outside` (a user mailbox, by default the
   * admin's own) must be refused.
   */
  scopeProof?: { outside: string };
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
  /** Our service principal in the customer's tenant, as the app token named it (Exchange Online). */
  servicePrincipalId?: string;
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

/**
 * Aborts when the verification's wall-clock deadline passes (or the caller's signal aborts), with a
 * timeout diagnostic as the reason: the call in flight is aborted, its slot freed, and the step
 * that was running fails with VerificationDeadline.
 */
function verificationDeadline(deadlineMs: number, ctx: RemediationContext, caller?: AbortSignal) {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new ExchangeConnectError({
        kind: 'timeout',
        code: 'VerificationDeadline',
        message: `The verification did not finish within ${Math.max(1, Math.ceil(deadlineMs / 1000))} s.`,
        remediation: remediationFor('timeout', ctx),
      }),
    );
  }, deadlineMs);
  timer.unref?.();
  const signal = caller ? AbortSignal.any([controller.signal, caller]) : controller.signal;
  return { signal, done: () => clearTimeout(timer) };
}

export async function verifyIntegration(
  deps: VerificationDeps,
  request: VerificationRequest,
): Promise<VerificationResult> {
  const deadlineCtx: RemediationContext = { appId: deps.appId, mailbox: request.mailbox };
  const deadline = verificationDeadline(
    deps.verificationDeadlineMs ?? DEFAULT_VERIFICATION_DEADLINE_MS,
    deadlineCtx,
    request.signal,
  );
  try {
    return await verifyWithin(deps, request, deadline.signal);
  } finally {
    deadline.done();
  }
}

async function verifyWithin(
  deps: VerificationDeps,
  request: VerificationRequest,
  signal: AbortSignal,
): Promise<VerificationResult> {
  const startedAt = new Date(deps.now()).toISOString();
  const trace = new Trace(request.onStep);
  const { integration, mailbox } = request;
  const ctx: RemediationContext = {
    appId: deps.appId,
    mailbox,
    ewsUrl: integration.method === 'modern' ? deps.exchangeOnlineEwsUrl : (integration.ewsUrl ?? ''),
    ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
    ...(request.scopeProof ? { service: 'graph' as const, roomScope: true } : {}),
  };
  const consentAgeMs = integration.consentedAt ? deps.now() - Date.parse(integration.consentedAt) : Infinity;
  const withinPendingWindow = consentAgeMs < (request.pendingWindowMs ?? DEFAULT_PENDING_WINDOW_MS);

  /** What the token told about us, once one was issued. */
  const issued: { servicePrincipalId?: string } = {};
  const finish = (outcome: VerificationOutcome, diagnostic?: Diagnostic): VerificationResult => ({
    outcome,
    mailbox,
    startedAt,
    finishedAt: new Date(deps.now()).toISOString(),
    steps: trace.steps,
    ...(diagnostic ? { diagnostic } : {}),
    ...(outcome === 'pending' ? { retryAfterMs: pendingBackoffMs(request.attempt ?? 0) } : {}),
    ...(issued.servicePrincipalId ? { servicePrincipalId: issued.servicePrincipalId } : {}),
  });
  /** A permission not granted yet, shortly after consent, is Microsoft 365 still applying it. */
  const pendingOrFailed = (
    name: StepName,
    durationMs: number,
    diagnostic: Diagnostic,
  ): VerificationResult => {
    if (diagnostic.kind === 'consent_missing' && withinPendingWindow) {
      const pending: Diagnostic = {
        kind: 'consent_pending',
        code: diagnostic.code,
        message: 'Admin consent was granted; Microsoft 365 is still applying it.',
        remediation: remediationFor('consent_pending', ctx),
      };
      trace.add(stepFromDiagnostic(name, 'pending', durationMs, pending));
      return finish('pending', pending);
    }
    // Past the window a grant that was given is no longer "being applied": say what to check.
    const decided =
      diagnostic.kind === 'consent_missing' && integration.consentedAt
        ? {
            ...diagnostic,
            remediation: remediationFor('consent_missing', { ...ctx, consentedAt: integration.consentedAt }),
          }
        : diagnostic;
    trace.add(stepFromDiagnostic(name, 'failed', durationMs, decided));
    return finish('failed', decided);
  };

  // The connection's stages are the checklist's first steps; a failed one is added below, where
  // it may turn out to be "pending" instead.
  const stepOf = (stage: StageResult): VerificationStep => ({
    name: stage.stage,
    status: 'ok',
    durationMs: stage.durationMs,
    ...(stage.detail ? { detail: stage.detail } : {}),
  });
  const opened = await openConnection(deps, integration, {
    actingAs: mailbox,
    signal,
    // The admin has just changed Entra grants and Exchange roles: a cached token predates them.
    ...(request.scopeProof ? { freshToken: true } : {}),
    onStage: (stage) => {
      if (stage.ok) trace.add(stepOf(stage));
    },
  });
  if (opened.token?.servicePrincipalId) issued.servicePrincipalId = opened.token.servicePrincipalId;
  if (!opened.ok) {
    const { stage, durationMs, diagnostic } = opened.failed;
    if (stage === 'token' || stage === 'permission') return pendingOrFailed(stage, durationMs, diagnostic);
    trace.add(stepFromDiagnostic(stage, 'failed', durationMs, diagnostic));
    return finish('failed', diagnostic);
  }
  const { access } = opened;

  const mailboxStarted = deps.now();
  const calendar = await runStep(
    'mailbox',
    deps.now,
    ctx,
    async () => {
      const folder = await untilAborted(access.openCalendar(mailbox, { abortSignal: signal }), signal);
      const detail: JsonObject = {
        mailbox,
        calendar: folder.displayName,
        ...(folder.totalCount !== undefined ? { items: folder.totalCount } : {}),
      };
      return { value: folder, detail };
    },
    deps.reportUnexpected,
  );
  if (!calendar.ok) return pendingOrFailed('mailbox', deps.now() - mailboxStarted, calendar.diagnostic);
  trace.add(calendar.step);

  if (request.scopeProof) {
    const proof = await proveOutsideRefused(deps, opened, request.scopeProof.outside, ctx, signal);
    trace.add(proof.step);
    if (proof.diagnostic) return finish('failed', proof.diagnostic);
  }

  // Rooms are reported, not required: the integration is established once the mailbox opened.
  const rooms = await runStep(
    'rooms',
    deps.now,
    ctx,
    async () => {
      const start = new Date(deps.now());
      const window = { start, end: new Date(start.getTime() + ROOM_WINDOW_MS) };
      const maxRooms = deps.maxRoomsPerVerification ?? DEFAULT_MAX_ROOMS_PER_VERIFICATION;
      const found = await untilAborted(
        discoverRooms(access, window, { abortSignal: signal }, { maxRooms }),
        signal,
      );
      const checked: RoomCheck[] = found.rooms.map((r) => ({
        address: r.address,
        name: r.name,
        reachable: r.reachable,
        ...(r.diagnostic ? { code: r.diagnostic.code, kind: r.diagnostic.kind } : {}),
      }));
      // `sampled` < `total` says only a sample of the rooms was read (the cap).
      const detail: JsonObject = {
        roomLists: found.roomLists.length,
        rooms: checked.map((r) => ({ ...r })),
        reachable: checked.filter((r) => r.reachable).length,
        total: found.total,
        sampled: checked.length,
      };
      return { value: checked, detail };
    },
    deps.reportUnexpected,
  );
  trace.add(rooms.step);
  return finish('verified');
}

/** The scope step: the outside mailbox must be refused, and the token must not widen the scope. */
async function proveOutsideRefused(
  deps: VerificationDeps,
  opened: OpenedConnection,
  outside: string,
  ctx: RemediationContext,
  signal: AbortSignal,
): Promise<{ step: VerificationStep; diagnostic?: Diagnostic }> {
  const started = deps.now();
  const verdict = await probeRoomScope(
    { access: opened.access, roles: opened.token?.roles ?? [] },
    outside,
    { ...ctx, roomScope: false },
    deps.reportUnexpected,
    { abortSignal: signal },
  );
  const durationMs = deps.now() - started;
  if (verdict.verdict === 'restricted') {
    return { step: { name: 'scope', status: 'ok', durationMs, detail: verdict.detail } };
  }
  const diagnostic: Diagnostic =
    verdict.verdict === 'probe_gone'
      ? {
          kind: 'mailbox_not_found',
          code: 'NoMailboxOutsideScope',
          message: `${outside} has no mailbox, so its refusal proves nothing.`,
          remediation: `To prove the scope, Exchange Connect must be refused a mailbox that exists outside it. Enter a user mailbox of your organisation (not a room) and prove the scope again.`,
        }
      : verdict.diagnostic;
  return { step: stepFromDiagnostic('scope', 'failed', durationMs, diagnostic, verdict.detail), diagnostic };
}
