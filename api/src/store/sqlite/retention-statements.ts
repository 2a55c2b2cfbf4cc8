/** Retention on SQLite: the shared rules of retention-sql.ts, each prune one short write. */
import type Database from 'better-sqlite3';
import type { PruneBatch, RetentionStoreOperations } from '../retention-port';
import { prunableAlerts, prunableAudit, prunableTraces, pruneArguments } from '../retention-sql';
import type { Sync } from './statements';

const PARAMS = { before: '@before', limit: '@limit' };

export class SqliteRetentionStatements implements Sync<RetentionStoreOperations> {
  private readonly deleteTraces;
  private readonly deleteAudit;
  private readonly selectAlerts;
  private readonly deleteDeliveries;
  private readonly deleteAlerts;

  constructor(private readonly db: Database.Database) {
    this.deleteTraces = db.prepare<{ before: string; limit: number }>(
      `DELETE FROM verification_traces WHERE seq IN (${prunableTraces(PARAMS)})`,
    );
    this.deleteAudit = db.prepare<{ before: string; limit: number }>(
      `DELETE FROM audit_log WHERE seq IN (${prunableAudit(PARAMS)})`,
    );
    this.selectAlerts = db.prepare<{ before: string; limit: number }, string>(prunableAlerts(PARAMS)).pluck();
    this.deleteDeliveries = db.prepare<[string]>(
      'DELETE FROM alert_deliveries WHERE alert_id IN (SELECT value FROM json_each(?))',
    );
    this.deleteAlerts = db.prepare<[string]>(
      'DELETE FROM health_alerts WHERE id IN (SELECT value FROM json_each(?))',
    );
  }

  pruneTraces(batch: PruneBatch): number {
    return this.deleteTraces.run(pruneArguments(batch)).changes;
  }

  pruneAudit(batch: PruneBatch): number {
    return this.deleteAudit.run(pruneArguments(batch)).changes;
  }

  pruneDeliveredAlerts(batch: PruneBatch): number {
    const args = pruneArguments(batch);
    return this.db.transaction(() => {
      const ids = JSON.stringify(this.selectAlerts.all(args));
      this.deleteDeliveries.run(ids);
      return this.deleteAlerts.run(ids).changes;
    })();
  }
}
