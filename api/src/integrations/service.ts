/**
 * The use cases behind the tab, the CLI and the bot: connect (modern consent, basic service
 * account), verify, update the password, disconnect, status. Every admin action is audited.
 * Imports ports only; adapters are wired in server.ts.
 */
import { randomUUID } from 'node:crypto';
import { ExchangeConnectError, type Diagnostic } from '../errors';
import { enteredPassword } from '../secrets/entered-password';
import { remediationFor } from '../remediation';
import type { AdminConsentFlow, ConsentCompletion, SignedInUser } from '../identity/port';
import type { AutodiscoverClient } from '../exchange/port';
import type { PasswordSealer, SealedPassword } from '../secrets/port';
import type { IntegrationInput, IntegrationStore, StoreOperations } from '../store/port';
import type {
  Integration,
  JsonObject,
  ModernProtocol,
  VerificationStep,
  VerificationTrace,
} from '../store/types';
import { StoreConflictError } from '../store/errors';
import { UseCaseError } from './errors';
import { protocolOf } from '../exchange/open-connection';
import { stepFromDiagnostic } from './steps';

export { UseCaseError };
import { verifyIntegration, type VerificationDeps, type VerificationResult } from './verification';

export interface IntegrationServiceDeps extends VerificationDeps {
  store: IntegrationStore;
  sealer: PasswordSealer;
  autodiscover: AutodiscoverClient;
  consent: AdminConsentFlow;
  pendingWindowMs: number;
  /** Runs the health checks now (after a verification succeeded); failures are the checks' news. */
  refreshHealth?(tenantId: string): Promise<void>;
}

/** Called as each verification step settles, for live progress (the tab's NDJSON stream). */
export type StepListener = (step: VerificationStep) => void;

export type BasicConnectInput = {
  serviceAccount: string;
  sealedPassword: SealedPassword;
} & (
  { ewsUrl: string; autodiscoverAddress?: undefined } | { autodiscoverAddress: string; ewsUrl?: undefined }
);

/** Stands in for the Key Vault secret id while entered credentials are tried from memory. */
const ENTERED_SECRET = 'entered';

const EXCHANGE_ONLINE_HOSTS = /(^|\.)(outlook\.office365\.com|outlook\.office\.com|office365\.com)$/i;

export class IntegrationService {
  constructor(private readonly deps: IntegrationServiceDeps) {}

  async status(
    user: SignedInUser,
  ): Promise<{ integration: Integration | null; latestTrace: VerificationTrace | null }> {
    const integration = (await this.deps.store.getIntegration(user.tenantId)) ?? null;
    const latestTrace = integration ? ((await this.deps.store.latestTrace(user.tenantId)) ?? null) : null;
    return { integration, latestTrace: latestTrace?.integrationId === integration?.id ? latestTrace : null };
  }

  /** Admin consent for Microsoft Graph (the default), or for EWS (the legacy option until 2027-04-01). */
  async startModernConsent(
    user: SignedInUser,
    protocol: ModernProtocol = 'graph',
  ): Promise<{ consentUrl: string; expiresAt: string }> {
    return this.auditFailures(user, 'consent.start', async () => {
      this.requireAdmin(user);
      await this.deps.store.upsertTenant({ id: user.tenantId });
      const started = await this.deps.consent.start(user, protocol);
      await this.audit(user, 'consent.start', 'success', { protocol });
      return started;
    });
  }

  /** Entra's redirect. The tenant and admin are those bound to `state`, never the query's. */
  async completeModernConsent(query: Record<string, string | undefined>): Promise<ConsentCompletion> {
    const completion = await this.deps.consent.complete(query);
    const actor = { tenantId: completion.tenantId, oid: completion.userId, upn: completion.upn };
    if (!completion.consented) {
      await this.deps.store.appendAudit({
        tenantId: actor.tenantId,
        actorOid: actor.oid,
        actorUpn: actor.upn,
        action: 'consent.complete',
        result: 'failure',
        detail: { ...diagnosticDetail(completion.diagnostic), ...reported(completion.reportedTenant) },
      });
      return completion;
    }
    await this.deps.store.upsertTenant({ id: completion.tenantId });
    const nowIso = this.nowIso();
    await this.saveWithAudit(actor, 'consent.complete', async (current) => {
      const base = this.fresh(completion.tenantId, 'modern', current);
      // Admin consent grants its permissions tenant-wide, so a connection consented to is one
      // for the whole organisation again: a room-only scope is proven afresh after it.
      return {
        ...base,
        status: 'verifying',
        protocol: completion.protocol,
        ...(completion.protocol === 'graph'
          ? { accessScope: 'organisation' as const }
          : { accessScope: undefined }),
        consentedBy: completion.upn,
        consentedAt: nowIso,
        // The admin who consents verifies with their own mailbox unless someone chose another.
        ...(base.verificationMailbox
          ? {}
          : {
              verificationMailbox: completion.upn,
              verificationMailboxChosenBy: completion.upn,
              verificationMailboxChosenAt: nowIso,
            }),
      };
    });
    return completion;
  }

  /**
   * Exchange Server with a service account: a new connection, or new details (URL, Autodiscover,
   * service account, password) for the current one. The entered credentials are verified first,
   * from memory; only verified credentials reach Key Vault and replace anything stored.
   */
  async connectBasic(
    user: SignedInUser,
    input: BasicConnectInput,
    onStep?: StepListener,
  ): Promise<VerificationResult> {
    return this.auditFailures(user, 'integration.connect.basic', async () => {
      this.requireAdmin(user);
      const password = await this.deps.sealer.open(input.sealedPassword, {
        tenantId: user.tenantId,
        userId: user.oid,
        purpose: 'connect',
      });
      const ewsUrl =
        input.ewsUrl ??
        (await this.deps.autodiscover.discoverEwsUrl(input.autodiscoverAddress, {
          username: input.serviceAccount,
          password,
        }));
      if (EXCHANGE_ONLINE_HOSTS.test(new URL(ewsUrl).hostname)) {
        throw new UseCaseError(
          'wrong_method',
          'This is Exchange Online, which accepts only Modern Authentication.',
          remediationFor('wrong_method', { appId: this.deps.appId }),
        );
      }
      await this.deps.checkEndpoint(ewsUrl);
      await this.deps.store.upsertTenant({ id: user.tenantId });
      const current = await this.deps.store.getIntegration(user.tenantId);
      const { autodiscoverAddress: _previousAddress, ...base } = this.fresh(user.tenantId, 'basic', current);
      const candidate: IntegrationInput = {
        ...base,
        ewsUrl,
        serviceAccount: input.serviceAccount,
        ...(input.autodiscoverAddress ? { autodiscoverAddress: input.autodiscoverAddress } : {}),
      };
      return this.verifyThenStore(user, 'integration.connect.basic', candidate, password, onStep);
    });
  }

  /** A new password for the service account, verified before it replaces the stored one. */
  async updatePassword(
    user: SignedInUser,
    sealed: SealedPassword,
    onStep?: StepListener,
  ): Promise<VerificationResult> {
    return this.auditFailures(user, 'integration.password.update', async () => {
      this.requireAdmin(user);
      const integration = await this.requireIntegration(user);
      if (integration.method !== 'basic' || !integration.serviceAccount) {
        throw new UseCaseError('wrong_method', 'Exchange Online connections have no password.');
      }
      const password = await this.deps.sealer.open(sealed, {
        tenantId: user.tenantId,
        userId: user.oid,
        purpose: 'update',
      });
      const { createdAt: _c, updatedAt: _u, version: _v, lastError: _e, ...candidate } = integration;
      return this.verifyThenStore(user, 'integration.password.update', candidate, password, onStep);
    });
  }

  /**
   * Verifies with the stored verification mailbox. A `mailbox` given here is an explicit choice:
   * once it verifies, it becomes the stored one (who chose it, when), audited. Merely opening the
   * tab as another admin never re-targets anything.
   */
  async verify(
    user: SignedInUser,
    options: { mailbox?: string; attempt?: number; automatic?: boolean; onStep?: StepListener } = {},
  ): Promise<VerificationResult> {
    return this.auditFailures(user, 'integration.verify', async () => {
      this.requireAdmin(user);
      const integration = await this.requireIntegration(user);
      const stored = storedTarget(integration);
      const mailbox = options.mailbox ?? stored ?? user.upn;
      const target = !stored ? 'first' : mailbox === stored ? 'stored' : 'trial';
      return this.runVerification(user, integration, mailbox, { ...options, target });
    });
  }

  /**
   * "Limit Exchange Connect to room mailboxes", proven: `room` opens over Graph with no tenant-wide
   * calendar permission in the token, and `outside` (a user mailbox, by default the admin's own) is
   * refused. Only then is the connection room-only, verified with that room from now on.
   */
  async proveRoomScope(
    user: SignedInUser,
    input: { room: string; outside?: string },
    onStep?: StepListener,
  ): Promise<VerificationResult> {
    return this.auditFailures(user, 'integration.scope.prove', async () => {
      this.requireAdmin(user);
      const integration = await this.requireIntegration(user);
      if (integration.method !== 'modern' || protocolOf(integration) !== 'graph') {
        throw new UseCaseError(
          'wrong_protocol',
          'Only an Exchange Online connection over Microsoft Graph can be limited to room mailboxes.',
        );
      }
      return this.runVerification(user, { ...integration, accessScope: 'rooms' }, input.room, {
        onStep,
        target: 'trial',
        scopeProof: { outside: input.outside ?? user.upn },
      });
    });
  }

  /**
   * Runs again, as Exchange Connect itself, a verification an instance left unfinished (recovery at
   * start): the outcome is recorded like an automatic re-check, and a verified connection's health
   * is refreshed. Undefined when the record names no mailbox to verify with.
   */
  async resumeVerification(integration: Integration): Promise<VerificationResult | undefined> {
    const mailbox = storedTarget(integration);
    if (!mailbox) return undefined;
    return this.runVerification(automaticActor(integration.tenantId), integration, mailbox, {
      target: 'stored',
      automatic: true,
    });
  }

  /**
   * Closes a verification that cannot be resumed (interrupted again, or nothing to verify with) as
   * failed: the record, a trace whose one step says so, and the audit entry, in one transaction.
   * Nothing changes when the record moved on meanwhile (StoreConflictError is passed on).
   */
  async failInterruptedVerification(integration: Integration, reason: string): Promise<void> {
    const actor = automaticActor(integration.tenantId);
    const at = this.nowIso();
    const diagnostic: Diagnostic = {
      kind: 'unexpected',
      code: 'VerificationInterrupted',
      message: `The verification did not finish: ${reason}`,
      remediation: 'Open Exchange Connect in Teams and verify the connection again.',
    };
    const mailbox = storedTarget(integration) ?? '';
    const { createdAt: _c, updatedAt: _u, version, lastError: _e, ...rest } = integration;
    await this.deps.store.transaction(async (tx) => {
      await tx.saveIntegration(
        { ...rest, status: 'failed', lastError: pickError(diagnostic) },
        { expectedVersion: version },
      );
      const result: VerificationResult = {
        outcome: 'failed',
        mailbox,
        steps: [stepFromDiagnostic('interrupted', 'failed', 0, diagnostic)],
        diagnostic,
        startedAt: integration.updatedAt,
        finishedAt: at,
      };
      await recordIn(tx, actor, integration.id, mailbox, result, 'integration.verify', true);
    });
  }

  async disconnect(user: SignedInUser): Promise<void> {
    return this.auditFailures(user, 'integration.disconnect', async () => {
      this.requireAdmin(user);
      const integration = await this.requireIntegration(user);
      if (integration.secretId) await this.deps.vault.deletePassword(integration.secretId);
      await this.saveWithAudit(user, 'integration.disconnect', async (current) =>
        disconnected(current ?? integration),
      );
    });
  }

  async audit(
    user: Pick<SignedInUser, 'tenantId' | 'oid' | 'upn'>,
    action: string,
    result: 'success' | 'failure',
    detail?: JsonObject,
  ): Promise<void> {
    await this.deps.store.appendAudit({
      tenantId: user.tenantId,
      actorOid: user.oid,
      actorUpn: user.upn,
      action,
      result,
      ...(detail ? { detail } : {}),
    });
  }

  /**
   * Verifies Basic credentials the admin just entered, from memory. Failed: nothing is stored or
   * replaced, and the verification's diagnostic is the answer (a wrong password is the admin's to
   * fix: 400). Verified: the password goes to Key Vault, then the connection is saved with it.
   */
  private async verifyThenStore(
    user: SignedInUser,
    action: string,
    candidate: IntegrationInput,
    password: string,
    onStep?: StepListener,
  ): Promise<VerificationResult> {
    const serviceAccount = candidate.serviceAccount ?? '';
    const stored = storedTarget(candidate);
    const mailbox = stored ?? user.upn;
    // The credentials step reads the entered password, not Key Vault: say so.
    const entered = (step: VerificationStep): VerificationStep =>
      step.name === 'credentials' ? { ...step, detail: { ...step.detail, password: 'entered' } } : step;
    const trial = await verifyIntegration(
      { ...this.deps, vault: enteredPassword(password) },
      {
        integration: { ...candidate, secretId: ENTERED_SECRET },
        mailbox,
        pendingWindowMs: this.deps.pendingWindowMs,
        ...(onStep ? { onStep: (step) => onStep(entered(step)) } : {}),
      },
    );
    if (trial.outcome !== 'verified') {
      const diagnostic = trial.diagnostic ?? {
        kind: 'unexpected' as const,
        code: 'Unexpected',
        message: 'The verification did not finish.',
        remediation: remediationFor('unexpected', { appId: this.deps.appId }),
      };
      throw new ExchangeConnectError(diagnostic);
    }
    const storeStarted = this.deps.now();
    const { secretId } = await this.deps.vault.storePassword(user.tenantId, serviceAccount, password);
    const keyVault: VerificationStep = {
      name: 'keyVault',
      status: 'ok',
      durationMs: this.deps.now() - storeStarted,
      detail: { serviceAccount },
    };
    onStep?.(keyVault);
    const result: VerificationResult = {
      ...trial,
      steps: [...trial.steps.map(entered), keyVault],
      finishedAt: this.nowIso(),
    };
    const saved = await this.saveWithAudit(user, action, async () => ({
      ...candidate,
      secretId,
      status: 'verified',
      verifiedMailbox: mailbox,
      verifiedAt: result.finishedAt,
      ...(stored
        ? {}
        : {
            verificationMailbox: mailbox,
            verificationMailboxChosenBy: user.upn,
            verificationMailboxChosenAt: result.finishedAt,
          }),
    }));
    await this.deps.store.transaction((tx) =>
      recordIn(tx, user, saved.id, mailbox, result, 'integration.verify'),
    );
    // Verified and stored like any verification: health catches up now, not at the next run.
    await this.refreshHealth(user.tenantId);
    return result;
  }

  /**
   * Runs a verification of the stored connection and records it. `target` says what `mailbox` is:
   * the stored verification mailbox; the first one (nothing stored yet: adopted once verified); or
   * a trial of another one the admin chose, which is adopted once verified and otherwise changes
   * nothing but the audit log.
   */
  private async runVerification(
    user: SignedInUser,
    integration: Integration,
    mailbox: string,
    options: {
      target: 'stored' | 'first' | 'trial';
      attempt?: number;
      /** The tab re-checking by itself while pending: summarised in the audit log. */
      automatic?: boolean;
      onStep?: StepListener | undefined;
      scopeProof?: { outside: string };
    },
  ): Promise<VerificationResult> {
    const { attempt = 0, onStep, scopeProof, target, automatic = false } = options;
    const result = await verifyIntegration(this.deps, {
      integration,
      mailbox,
      attempt,
      pendingWindowMs: this.deps.pendingWindowMs,
      ...(onStep ? { onStep } : {}),
      ...(scopeProof ? { scopeProof } : {}),
    });
    const verified = result.outcome === 'verified';
    const action = scopeProof ? 'integration.scope.prove' : 'integration.verify';
    const adopt = verified && target !== 'stored';
    if (target === 'trial' && !verified) {
      await this.audit(user, action, 'failure', {
        target: mailbox,
        outcome: result.outcome,
        ...diagnosticDetail(result.diagnostic),
      });
      return result;
    }
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.getIntegration(user.tenantId);
      // Disconnected or replaced while Exchange answered: the result belongs to no connection now.
      if (!current || current.id !== integration.id) return;
      // Changed meanwhile (a newer password, another verification): keep the trace, not the status.
      const unchanged = current.version === integration.version;
      if (unchanged) {
        const { lastError: _previous, ...rest } = current;
        await tx.saveIntegration(
          {
            ...rest,
            status: result.outcome,
            ...(verified ? { verifiedMailbox: mailbox, verifiedAt: result.finishedAt } : {}),
            ...(result.diagnostic && result.outcome === 'failed'
              ? { lastError: pickError(result.diagnostic) }
              : {}),
            ...(result.servicePrincipalId ? { servicePrincipalId: result.servicePrincipalId } : {}),
            ...(scopeProof ? { accessScope: 'rooms' as const } : {}),
            ...(adopt
              ? {
                  verificationMailbox: mailbox,
                  verificationMailboxChosenBy: user.upn,
                  verificationMailboxChosenAt: result.finishedAt,
                }
              : {}),
          },
          { expectedVersion: current.version },
        );
      }
      await recordIn(tx, user, current.id, mailbox, result, action, automatic);
      if (adopt && unchanged && current.verificationMailbox !== mailbox) {
        await tx.appendAudit({
          ...actorOf(user),
          action: 'integration.verification_mailbox.change',
          target: mailbox,
          result: 'success',
          detail: current.verificationMailbox ? { previous: current.verificationMailbox } : {},
        });
      }
    });
    if (verified) await this.refreshHealth(user.tenantId);
    return result;
  }

  private async refreshHealth(tenantId: string): Promise<void> {
    await this.deps.refreshHealth?.(tenantId).catch(() => undefined);
  }

  /**
   * Runs an admin action and, when it throws, records the failure in the audit log (kind and
   * code only: messages can echo input) before passing the error on.
   */
  private async auditFailures<T>(user: SignedInUser, action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.audit(user, action, 'failure', failureDetail(error)).catch(() => undefined);
      throw error;
    }
  }

  /** Reads, changes and writes the integration with its audit entry in one transaction. */
  private async saveWithAudit(
    user: Pick<SignedInUser, 'tenantId' | 'oid' | 'upn'>,
    action: string,
    change: (current: Integration | undefined) => Promise<IntegrationInput>,
  ): Promise<Integration> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { saved, retired } = await this.deps.store.transaction(async (tx) => {
          const current = await tx.getIntegration(user.tenantId);
          const next = await change(current);
          // A change of method retires the old connection first: one active integration per tenant.
          const retiring = current && current.id !== next.id ? current : undefined;
          if (retiring)
            await tx.saveIntegration(disconnected(retiring), { expectedVersion: retiring.version });
          const written = await tx.saveIntegration(next, {
            expectedVersion: retiring ? 0 : (current?.version ?? 0),
          });
          await tx.appendAudit({
            tenantId: user.tenantId,
            actorOid: user.oid,
            actorUpn: user.upn,
            action,
            target: written.id,
            result: 'success',
            ...(retiring ? { detail: { replaced: retiring.id, replacedMethod: retiring.method } } : {}),
          });
          return { saved: written, retired: retiring };
        });
        if (retired?.secretId && retired.secretId !== saved.secretId) {
          await this.deps.vault.deletePassword(retired.secretId);
        }
        return saved;
      } catch (error) {
        if (!(error instanceof StoreConflictError) || attempt >= 2) throw error;
      }
    }
  }

  /** Keeps the record when the method stays; a change of method starts a new integration. */
  private fresh(
    tenantId: string,
    method: Integration['method'],
    current: Integration | undefined,
  ): IntegrationInput {
    if (current && current.method === method) {
      const { createdAt: _c, updatedAt: _u, version: _v, lastError: _e, ...rest } = current;
      return rest;
    }
    return { id: randomUUID(), tenantId, method, status: 'verifying' };
  }

  private requireAdmin(user: SignedInUser): void {
    if (!user.isGlobalAdmin) {
      throw new UseCaseError(
        'not_global_admin',
        'Only a Global Administrator can connect or change the Exchange connection.',
        remediationFor('not_global_admin', { appId: this.deps.appId }),
      );
    }
  }

  private async requireIntegration(user: SignedInUser): Promise<Integration> {
    const integration = await this.deps.store.getIntegration(user.tenantId);
    if (!integration)
      throw new UseCaseError('not_connected', 'Exchange is not connected for this organisation.');
    return integration;
  }

  private nowIso(): string {
    return new Date(this.deps.now()).toISOString();
  }
}

/** What the audit log keeps of a failed action: the error's kind and code, nothing it quoted. */
function failureDetail(error: unknown): JsonObject {
  if (error instanceof UseCaseError) return { code: error.code };
  if (error instanceof ExchangeConnectError) return { kind: error.kind, code: error.code };
  const code = (error as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'unexpected' };
}

/** Who the audit log names for what Exchange Connect does by itself (recovery at start). */
export const AUTOMATIC_ACTOR = { oid: 'exchange-connect', upn: 'Exchange Connect (automatic)' } as const;

function automaticActor(tenantId: string): SignedInUser {
  return { tenantId, ...AUTOMATIC_ACTOR, isGlobalAdmin: false };
}

function actorOf(user: Pick<SignedInUser, 'tenantId' | 'oid' | 'upn'>) {
  return { tenantId: user.tenantId, actorOid: user.oid, actorUpn: user.upn };
}

/** A verification's trace and audit entry, written in the caller's transaction. */
async function recordIn(
  tx: StoreOperations,
  user: SignedInUser,
  integrationId: string,
  mailbox: string,
  result: VerificationResult,
  action: string,
  automatic = false,
): Promise<void> {
  await tx.addTrace({
    integrationId,
    tenantId: user.tenantId,
    outcome: result.outcome,
    mailbox,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    steps: result.steps,
  });
  await tx.appendAudit({
    ...actorOf(user),
    action,
    target: mailbox,
    result: result.outcome === 'failed' ? 'failure' : 'success',
    detail: {
      outcome: result.outcome,
      ...diagnosticDetail(result.diagnostic),
      ...(automatic ? { automatic: true } : {}),
    },
  });
}

/**
 * The mailbox verifications open: the one an admin chose, else (records from before that choice
 * was stored) the one last verified, else the consenting admin's.
 */
function storedTarget(
  integration: Pick<Integration, 'verificationMailbox' | 'verifiedMailbox' | 'consentedBy'>,
): string | undefined {
  return integration.verificationMailbox ?? integration.verifiedMailbox ?? integration.consentedBy;
}

/** The record of a connection that ended: kept as history, without its secret's reference. */
function disconnected(integration: Integration): IntegrationInput {
  const { secretId: _secret, createdAt: _c, updatedAt: _u, version: _v, ...rest } = integration;
  return { ...rest, status: 'disconnected' };
}

/** Entra's `tenant` parameter is recorded for the audit trail only; it is never trusted. */
function reported(tenant: string | undefined): JsonObject {
  return tenant ? { reportedTenant: tenant } : {};
}

function pickError(d: Diagnostic) {
  return { kind: d.kind, code: d.code, message: d.message, remediation: d.remediation };
}

function diagnosticDetail(d: Diagnostic | undefined): JsonObject {
  return d ? { kind: d.kind, code: d.code } : {};
}
