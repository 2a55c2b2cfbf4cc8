/**
 * Recovery at start: an integration still `verifying` longer than a verification may last was left
 * so by an instance that stopped or crashed (or by an admin who consented and closed the tab before
 * the verification ran). Nothing monitors such a record, so each is claimed and verified again by
 * Exchange Connect itself — the admin consented and expects the connection to be finished, and a
 * real verification answers with Microsoft's own verdict (verified, pending while consent
 * replicates, or failed with the exact error), after which health monitors it. A record whose
 * resumed verification was itself interrupted (a verification that takes its instance down must not
 * take every start down with it), or that names no mailbox to verify with, is closed as failed with
 * a trace step saying the verification was interrupted.
 *
 * Several instances start together on one database: a record is claimed by a version-checked write
 * (bumping its update time, so it is no longer stale), which exactly one instance wins. A record
 * `verifying` for less than the deadline is left alone: a verification may be running right now.
 */
import type { IntegrationStore } from '../store/port';
import type { Integration } from '../store/types';
import { StoreConflictError } from '../store/errors';
import { AUTOMATIC_ACTOR, type IntegrationService } from './service';

/** The audit entry of a claimed record: what makes a second interruption recognisable. */
export const RESUME_ACTION = 'integration.verification.resume';

export type RecoveryOutcome =
  | { integrationId: string; tenantId: string; action: 'reverified'; outcome: string }
  | { integrationId: string; tenantId: string; action: 'failed'; reason: string };

export interface InterruptedVerificationDeps {
  store: IntegrationStore;
  service: Pick<IntegrationService, 'resumeVerification' | 'failInterruptedVerification'>;
  now: () => number;
  /** EC_VERIFICATION_DEADLINE_SECONDS: no verification runs longer. */
  verificationDeadlineMs: number;
  onError?: (error: unknown, integration: Integration) => void;
  /** Shutdown: no further record is claimed (the one in progress finishes within its deadline). */
  signal?: AbortSignal;
}

/** Claims and resolves every stale `verifying` record; one at a time (recovery is rare, not urgent). */
export async function recoverInterruptedVerifications(
  deps: InterruptedVerificationDeps,
): Promise<RecoveryOutcome[]> {
  const cutoff = deps.now() - deps.verificationDeadlineMs;
  const stale = (await deps.store.listIntegrations({ status: 'verifying' })).filter(
    (i) => Date.parse(i.updatedAt) <= cutoff,
  );
  const outcomes: RecoveryOutcome[] = [];
  for (const integration of stale) {
    if (deps.signal?.aborted) break;
    try {
      const outcome = await recover(deps, integration);
      if (outcome) outcomes.push(outcome);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) deps.onError?.(error, integration);
    }
  }
  return outcomes;
}

async function recover(
  deps: InterruptedVerificationDeps,
  integration: Integration,
): Promise<RecoveryOutcome | undefined> {
  const claimed = await claim(deps.store, integration);
  if (!claimed) return undefined;
  const ids = { integrationId: integration.id, tenantId: integration.tenantId };
  if (claimed.resumedBefore) {
    const reason = 'it was interrupted again when resumed.';
    await deps.service.failInterruptedVerification(claimed.integration, reason);
    return { ...ids, action: 'failed', reason };
  }
  const result = await deps.service.resumeVerification(claimed.integration);
  if (result) return { ...ids, action: 'reverified', outcome: result.outcome };
  const reason = 'the connection names no mailbox to verify with.';
  await deps.service.failInterruptedVerification(claimed.integration, reason);
  return { ...ids, action: 'failed', reason };
}

/**
 * Takes the record if it is still the stale one listed: rewritten as it is (new version and update
 * time) with the audit entry, in one transaction. Undefined when another instance, or anything
 * else, changed it first.
 */
async function claim(
  store: IntegrationStore,
  listed: Integration,
): Promise<{ integration: Integration; resumedBefore: boolean } | undefined> {
  return store.transaction(async (tx) => {
    const current = await tx.getIntegration(listed.tenantId);
    if (!current || current.id !== listed.id || current.version !== listed.version) return undefined;
    if (current.status !== 'verifying') return undefined;
    const audit = await tx.listAudit(listed.tenantId, { limit: 100 });
    const resumedBefore = audit.some((a) => a.action === RESUME_ACTION && a.target === listed.id);
    const { createdAt: _c, updatedAt: _u, version, ...record } = current;
    const integration = await tx.saveIntegration(record, { expectedVersion: version });
    await tx.appendAudit({
      tenantId: listed.tenantId,
      actorOid: AUTOMATIC_ACTOR.oid,
      actorUpn: AUTOMATIC_ACTOR.upn,
      action: RESUME_ACTION,
      target: listed.id,
      result: 'success',
      detail: { verifyingSince: listed.updatedAt, ...(resumedBefore ? { again: true } : {}) },
    });
    return { integration, resumedBefore };
  });
}
