/** Retention on PostgreSQL: the shared rules of retention-sql.ts, as sqlite/retention-statements.ts. */
import type { PruneBatch, RetentionStoreOperations } from '../retention-port';
import { prunableAlerts, prunableAudit, prunableTraces, pruneArguments } from '../retention-sql';
import { z } from 'zod';
import type { Runner } from './runner';

const PARAMS = { before: '$1', limit: '$2' };
const alertKey = z.object({ id: z.string() });

export function retentionOperations(runner: Runner): RetentionStoreOperations {
  const run = async (sql: string, batch: PruneBatch) => {
    const { before, limit } = pruneArguments(batch);
    return runner.run(async (db) => (await db.query(sql, [before, limit])).rowCount);
  };
  return {
    pruneTraces: (batch) =>
      run(`DELETE FROM verification_traces WHERE seq IN (${prunableTraces(PARAMS)})`, batch),
    pruneAudit: (batch) => run(`DELETE FROM audit_log WHERE seq IN (${prunableAudit(PARAMS)})`, batch),
    // The deliveries go first (they reference their alert), in the same transaction.
    pruneDeliveredAlerts: async (batch) => {
      const { before, limit } = pruneArguments(batch);
      return runner.atomic(async (db) => {
        const { rows } = await db.query(prunableAlerts(PARAMS), [before, limit]);
        const ids = rows.map((row) => alertKey.parse(row).id);
        if (ids.length === 0) return 0;
        await db.query('DELETE FROM alert_deliveries WHERE alert_id = ANY($1)', [ids]);
        return (await db.query('DELETE FROM health_alerts WHERE id = ANY($1)', [ids])).rowCount;
      });
    },
  };
}
