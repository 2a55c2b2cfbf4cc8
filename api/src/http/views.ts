/** Store records → the JSON the tab sees (contract.ts). Secret ids and tenant ids stay inside. */
import type { AuditEntry, Integration, VerificationTrace } from '../store/types';
import { protocolOf } from '../exchange/open-connection';
import { EWS_SHUTDOWN_DATE, daysUntilEwsEnds } from '../powershell-commands';
import type { VerificationResult } from '../integrations/verification';
import type { HealthResult, IntegrationHealth } from '../store/health-types';
import type {
  AuditView,
  HealthCheckView,
  HealthView,
  IntegrationView,
  StepView,
  VerificationView,
} from './contract';

export function integrationView(i: Integration, now: Date): IntegrationView {
  const protocol = protocolOf(i);
  return {
    id: i.id,
    method: i.method,
    status: i.status,
    protocol,
    updatedAt: i.updatedAt,
    ...(i.method === 'modern' && protocol === 'graph'
      ? { accessScope: i.accessScope ?? 'organisation' }
      : {}),
    ...(i.servicePrincipalId ? { servicePrincipalId: i.servicePrincipalId } : {}),
    ...(i.verificationMailbox ? { verificationMailbox: i.verificationMailbox } : {}),
    ...(i.verificationMailboxChosenBy ? { verificationMailboxChosenBy: i.verificationMailboxChosenBy } : {}),
    ...(i.verificationMailboxChosenAt ? { verificationMailboxChosenAt: i.verificationMailboxChosenAt } : {}),
    ...(i.method === 'modern' && protocol === 'ews'
      ? { ewsRetirement: { endsOn: EWS_SHUTDOWN_DATE, daysLeft: daysUntilEwsEnds(now) } }
      : {}),
    ...(i.ewsUrl ? { ewsUrl: i.ewsUrl } : {}),
    ...(i.autodiscoverAddress ? { autodiscoverAddress: i.autodiscoverAddress } : {}),
    ...(i.serviceAccount ? { serviceAccount: i.serviceAccount } : {}),
    ...(i.verifiedMailbox ? { verifiedMailbox: i.verifiedMailbox } : {}),
    ...(i.verifiedAt ? { verifiedAt: i.verifiedAt } : {}),
    ...(i.consentedBy ? { consentedBy: i.consentedBy } : {}),
    ...(i.consentedAt ? { consentedAt: i.consentedAt } : {}),
    ...(i.lastError ? { lastError: i.lastError } : {}),
  };
}

export function verificationView(v: VerificationResult | VerificationTrace): VerificationView {
  return {
    outcome: v.outcome,
    mailbox: v.mailbox,
    startedAt: v.startedAt,
    finishedAt: v.finishedAt,
    steps: v.steps as StepView[],
    ...('diagnostic' in v && v.diagnostic ? { diagnostic: v.diagnostic } : {}),
    ...('retryAfterMs' in v && v.retryAfterMs !== undefined ? { retryAfterMs: v.retryAfterMs } : {}),
  };
}

/** The health record with the results of its last run (results come newest first). */
export function healthView(health: IntegrationHealth, recent: HealthResult[]): HealthView {
  const lastRun = recent[0]?.runId;
  // Newest first from the store: reversed, the last run's checks read in the order they ran.
  const checks: HealthCheckView[] = recent
    .filter((r) => r.runId === lastRun)
    .reverse()
    .map((r) => ({
      check: r.check,
      status: r.status,
      checkedAt: r.checkedAt,
      ...(r.diagnostic
        ? { code: r.diagnostic.code, message: r.diagnostic.message, remediation: r.diagnostic.remediation }
        : {}),
      ...(r.detail ? { detail: r.detail } : {}),
    }));
  return {
    state: health.state,
    since: health.since,
    nextRunAt: health.nextRunAt,
    ...(health.lastRunAt ? { lastRunAt: health.lastRunAt } : {}),
    ...(health.mutedUntil ? { mutedUntil: health.mutedUntil } : {}),
    checks,
  };
}

/**
 * The audit log as admins read it: newest first, with automatic re-checks in a row folded into
 * one row (how many, since when), so admin actions are not buried under them.
 */
export function auditView(entries: readonly AuditEntry[]): AuditView {
  const rows: AuditView['entries'] = [];
  let folding: { row: AuditView['entries'][number]; key: string } | undefined;
  for (const e of entries) {
    const automatic = e.detail?.['automatic'] === true;
    const key = `${e.action} ${e.actorUpn} ${e.result} ${e.target ?? ''}`;
    if (automatic && folding?.key === key) {
      folding.row.count = (folding.row.count ?? 1) + 1;
      folding.row.since = e.at;
      continue;
    }
    const outcome = e.detail?.['outcome'];
    const code = e.detail?.['code'];
    const row: AuditView['entries'][number] = {
      at: e.at,
      actorUpn: e.actorUpn,
      action: e.action,
      result: e.result,
      ...(e.target ? { target: e.target } : {}),
      ...(typeof outcome === 'string' ? { outcome } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      ...(automatic ? { count: 1, since: e.at } : {}),
    };
    rows.push(row);
    folding = automatic ? { row, key } : undefined;
  }
  return { entries: rows };
}
