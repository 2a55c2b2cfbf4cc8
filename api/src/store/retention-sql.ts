/**
 * The retention rules as SQL, written once for both adapters: SQLite and PostgreSQL read these
 * statements alike (instants compare as ISO text in SQLite and as timestamptz in PostgreSQL). Each
 * selects the keys of at most `limit` rows a prune may delete, oldest first; the time indexes of
 * migration 6 serve the age scans, the per-tenant indexes the "is there a newer row" probes.
 * `before` and `limit` are the adapter's parameter tokens (`@before`, `$1`).
 */
import { positiveInt } from './arguments';
import type { PruneBatch } from './retention-port';

export interface PruneParams {
  before: string;
  limit: string;
}

const MAX_PRUNE_BATCH = 10_000;

/** The batch as statement arguments: the cut-off as a canonical instant, the limit checked. */
export function pruneArguments({ before, limit }: PruneBatch): { before: string; limit: number } {
  if (Number.isNaN(before.getTime())) throw new RangeError('before is not a valid date');
  if (positiveInt(limit, 'limit') > MAX_PRUNE_BATCH) {
    throw new RangeError(`limit must be at most ${MAX_PRUNE_BATCH}: ${limit}`);
  }
  return { before: before.toISOString(), limit };
}

/** `b` was written after `a` (same clock column, insertion order breaks ties). */
function after(b: string, a: string, column: string): string {
  return `(${b}.${column} > ${a}.${column} OR (${b}.${column} = ${a}.${column} AND ${b}.seq > ${a}.seq))`;
}

/** Old traces that are not their integration's newest. */
export const prunableTraces = (p: PruneParams) => `
  SELECT t.seq FROM verification_traces t
  WHERE t.started_at < ${p.before}
    AND EXISTS (SELECT 1 FROM verification_traces n
      WHERE n.tenant_id = t.tenant_id AND n.integration_id = t.integration_id AND ${after('n', 't', 'started_at')})
  ORDER BY t.started_at, t.seq
  LIMIT ${p.limit}`;

export const prunableAudit = (p: PruneParams) => `
  SELECT seq FROM audit_log WHERE at < ${p.before} ORDER BY at, seq LIMIT ${p.limit}`;

/** Alerts the notifier has nothing left to do with (see RetentionStoreOperations.pruneDeliveredAlerts). */
const undelivered = (a: string) => `(${a}.planned_at IS NULL OR EXISTS (
  SELECT 1 FROM alert_deliveries d WHERE d.alert_id = ${a}.id AND d.status = 'pending'))`;

export const prunableAlerts = (p: PruneParams) => `
  SELECT a.id FROM health_alerts a JOIN integrations i ON i.id = a.integration_id
  WHERE a.created_at < ${p.before}
    AND NOT ${undelivered('a')}
    AND NOT (a.kind IN ('failing', 'degraded') AND (
      -- the open incident: nothing has followed it, and the integration is still there to recover
      (i.status <> 'disconnected' AND NOT EXISTS (SELECT 1 FROM health_alerts n
        WHERE n.tenant_id = a.tenant_id AND n.integration_id = a.integration_id
          AND n.kind IN ('failing', 'degraded', 'recovered') AND ${after('n', 'a', 'created_at')}))
      -- a recovery still on its way replaces the incident's card
      OR EXISTS (SELECT 1 FROM health_alerts r
        WHERE r.tenant_id = a.tenant_id AND r.integration_id = a.integration_id
          AND r.kind = 'recovered' AND ${after('r', 'a', 'created_at')} AND ${undelivered('r')})))
  ORDER BY a.created_at, a.seq
  LIMIT ${p.limit}`;
