/** Global Administrators seen in the tab, on PostgreSQL, as sqlite/admin-statements.ts. */
import type { AdminSightingStoreOperations } from '../admin-port';
import { toAdminSighting } from '../conversation-rows';
import type { Runner } from './runner';

export function adminSightingOperations(runner: Runner): AdminSightingStoreOperations {
  return {
    // The WHERE on the conflict branch is the hourly throttle: a recent sighting is left as it is.
    recordAdminSighting: (input) =>
      runner.run(async (db) => {
        const { rowCount } = await db.query(
          `INSERT INTO admin_sightings (tenant_id, user_oid, upn, last_seen_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, user_oid) DO UPDATE SET upn = EXCLUDED.upn, last_seen_at = EXCLUDED.last_seen_at
           WHERE admin_sightings.last_seen_at < $5`,
          [
            input.tenantId,
            input.userOid,
            input.upn,
            input.seenAt.toISOString(),
            input.refreshIfSeenBefore.toISOString(),
          ],
        );
        return rowCount > 0;
      }),

    forgetAdminSighting: (tenantId, userOid) =>
      runner.run(async (db) => {
        const { rowCount } = await db.query(
          'DELETE FROM admin_sightings WHERE tenant_id = $1 AND user_oid = $2',
          [tenantId, userOid],
        );
        return (rowCount ?? 0) > 0;
      }),

    getAdminSighting: (tenantId, userOid) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM admin_sightings WHERE tenant_id = $1 AND user_oid = $2',
          [tenantId, userOid],
        );
        return rows[0] === undefined ? undefined : toAdminSighting(rows[0]);
      }),
  };
}
