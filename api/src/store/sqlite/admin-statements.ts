/** The admin_sightings table's SQL (synchronous, better-sqlite3). */
import type Database from 'better-sqlite3';
import type { AdminSighting, AdminSightingInput, AdminSightingStoreOperations } from '../admin-port';
import { toAdminSighting } from '../conversation-rows';
import type { Sync } from './statements';

type Params = Record<string, string>;

export class SqliteAdminSightingStatements implements Sync<AdminSightingStoreOperations> {
  private readonly upsert;
  private readonly byUser;
  private readonly forget;

  constructor(db: Database.Database) {
    // The WHERE on the conflict branch is the hourly throttle: a recent sighting is left as it is.
    this.upsert = db.prepare<Params>(`
      INSERT INTO admin_sightings (tenant_id, user_oid, upn, last_seen_at)
      VALUES (@tenantId, @userOid, @upn, @seenAt)
      ON CONFLICT (tenant_id, user_oid) DO UPDATE SET upn = excluded.upn, last_seen_at = excluded.last_seen_at
      WHERE admin_sightings.last_seen_at < @refreshIfSeenBefore`);
    this.forget = db.prepare<[string, string]>(
      'DELETE FROM admin_sightings WHERE tenant_id = ? AND user_oid = ?',
    );
    this.byUser = db.prepare<[string, string], unknown>(
      'SELECT * FROM admin_sightings WHERE tenant_id = ? AND user_oid = ?',
    );
  }

  recordAdminSighting(input: AdminSightingInput): boolean {
    return (
      this.upsert.run({
        tenantId: input.tenantId,
        userOid: input.userOid,
        upn: input.upn,
        seenAt: input.seenAt.toISOString(),
        refreshIfSeenBefore: input.refreshIfSeenBefore.toISOString(),
      }).changes > 0
    );
  }

  forgetAdminSighting(tenantId: string, userOid: string): boolean {
    return this.forget.run(tenantId, userOid).changes > 0;
  }

  getAdminSighting(tenantId: string, userOid: string): AdminSighting | undefined {
    const row = this.byUser.get(tenantId, userOid);
    return row === undefined ? undefined : toAdminSighting(row);
  }
}
