/**
 * The health tables on PostgreSQL: leases, run records, the alert outbox and its deliveries, with
 * the semantics of sqlite/health-statements.ts. SQLite gets its atomic claims from its single
 * writer; here they run under READ COMMITTED with several writers, so each claim is built to stay
 * correct when another worker claims at the same moment (see claim-statements.ts).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { instant, leaseParams, listLimit, optionalInstant, positiveInt } from '../arguments';
import { StoreConflictError, StoreNotFoundError } from '../errors';
import type { ClaimedDelivery, HealthClaim, HealthRunInput, HealthStoreOperations } from '../health-port';
import type { AlertDelivery } from '../health-types';
import { toAlertDelivery, toHealthAlert, toHealthResult, toIntegrationHealth } from '../health-rows';
import type { IntegrationHealth } from '../health-types';
import { mapper, optionalText, toIntegration } from '../rows';
import {
  CLAIM_DELIVERIES,
  CLAIM_DUE_HEALTH,
  CLAIM_NEXT_PER_CONVERSATION,
  CLAIM_ONE_HEALTH,
} from './claim-statements';
import { FOREIGN_KEY_VIOLATION, hasSqlState } from './driver-errors';
import type { Db, Param, Runner } from './runner';

/** Claim statements per claimDueHealthChecks call at most (see CLAIM_DUE_HEALTH). */
const CLAIM_ROUNDS = 5;

const lostCandidate = (row: unknown): boolean =>
  typeof row === 'object' && row !== null && (row as Record<string, unknown>).integration_id === null;

const toMute = mapper(
  'integration_health',
  z.object({ integration_id: z.string(), muted_until: optionalText }),
);

/** The claimed records with their integrations (the claims are cross-tenant, as the port says). */
async function withIntegrations(db: Db, health: IntegrationHealth[]): Promise<HealthClaim[]> {
  const { rows } = await db.query('SELECT * FROM integrations WHERE id = ANY ($1::text[])', [
    health.map((h) => h.integrationId),
  ]);
  const byId = new Map(rows.map(toIntegration).map((i) => [i.id, i]));
  return health.map((h) => {
    const integration = byId.get(h.integrationId);
    if (!integration) throw new StoreNotFoundError(`Integration ${h.integrationId} vanished while claimed.`);
    return { integration, health: h };
  });
}

/** Claimed deliveries with their alerts and the tenants' mutes, read in the claim's transaction. */
async function withAlerts(db: Db, deliveries: AlertDelivery[]): Promise<ClaimedDelivery[]> {
  if (deliveries.length === 0) return [];
  const alertRows = await db.query('SELECT * FROM health_alerts WHERE id = ANY ($1::text[])', [
    [...new Set(deliveries.map((d) => d.alertId))],
  ]);
  const alerts = new Map(alertRows.rows.map(toHealthAlert).map((a) => [a.id, a]));
  const muteRows = await db.query(
    'SELECT integration_id, muted_until FROM integration_health WHERE integration_id = ANY ($1::text[])',
    [[...new Set([...alerts.values()].map((a) => a.integrationId))]],
  );
  const mutes = new Map(muteRows.rows.map(toMute).map((m) => [m.integration_id, m.muted_until]));
  return deliveries.map((delivery): ClaimedDelivery => {
    const alert = alerts.get(delivery.alertId);
    if (!alert) throw new StoreNotFoundError(`Alert ${delivery.alertId} vanished while claimed.`);
    const mutedUntil = mutes.get(alert.integrationId);
    return { delivery, alert, ...(mutedUntil ? { mutedUntil } : {}) };
  });
}

/** One multi-row INSERT for a run's results. */
function resultsInsert(run: HealthRunInput, checkedAt: string): { text: string; values: Param[] } {
  const values: Param[] = [];
  const tuples = run.results.map((result) => {
    const first = values.length + 1;
    values.push(
      randomUUID(),
      run.runId,
      run.integrationId,
      run.tenantId,
      result.check,
      result.status,
      result.diagnostic ? JSON.stringify(result.diagnostic) : null,
      result.detail ? JSON.stringify(result.detail) : null,
      Math.max(0, result.durationMs),
      checkedAt,
    );
    return `(${Array.from({ length: 10 }, (_, i) => `$${first + i}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO health_results (id, run_id, integration_id, tenant_id, check_name, status, diagnostic,
             detail, duration_ms, checked_at)
           VALUES ${tuples.join(', ')}`,
    values,
  };
}

export function healthOperations(runner: Runner, clock: () => Date): HealthStoreOperations {
  const stamp = () => clock().toISOString();

  return {
    claimDueHealthChecks: async (options) => {
      const { now, leaseUntil } = leaseParams(options.now, options.leaseMs);
      const limit = positiveInt(options.limit, 'limit');
      return runner.atomic(async (db) => {
        const claimed: IntegrationHealth[] = [];
        // Each statement sees the commits before it: a round that lost candidates to a concurrent
        // claimer is followed by another, so two claimers still each get their share, as in SQLite.
        for (let round = 1; round <= CLAIM_ROUNDS && claimed.length < limit; round++) {
          const { rows } = await db.query(CLAIM_DUE_HEALTH, [
            now,
            leaseUntil,
            options.owner,
            [...options.statuses],
            limit - claimed.length,
          ]);
          const won = rows.filter((row) => !lostCandidate(row));
          claimed.push(...won.map(toIntegrationHealth));
          if (won.length === rows.length) break;
        }
        claimed.sort((a, b) => a.nextRunAt.localeCompare(b.nextRunAt));
        return withIntegrations(db, claimed);
      });
    },

    claimHealthCheck: async (options) => {
      const { now, leaseUntil } = leaseParams(options.now, options.leaseMs);
      return runner.atomic(async (db) => {
        const { rows } = await db.query(CLAIM_ONE_HEALTH, [
          now,
          leaseUntil,
          options.owner,
          [...options.statuses],
          options.tenantId,
        ]);
        const [claim] = await withIntegrations(db, rows.map(toIntegrationHealth));
        return claim;
      });
    },

    releaseHealthLease: (integrationId, tenantId, owner) =>
      runner.run(async (db) => {
        await db.query(
          `UPDATE integration_health SET lease_owner = NULL, lease_expires_at = NULL
           WHERE integration_id = $1 AND tenant_id = $2 AND lease_owner = $3`,
          [integrationId, tenantId, owner],
        );
      }),

    recordHealthRun: async (run) => {
      const h = run.health;
      const update: Param[] = [
        run.integrationId,
        run.tenantId,
        run.owner,
        h.state,
        instant(h.since, 'since'),
        h.consecutiveFailures,
        optionalInstant(h.failingSince, 'failingSince'),
        h.certificateThresholdAlerted ?? null,
        h.roomCursor,
        optionalInstant(h.lastRunAt, 'lastRunAt'),
        instant(h.nextRunAt, 'nextRunAt'),
        optionalInstant(h.backoffUntil, 'backoffUntil'),
        h.ewsRetirementThresholdAlerted ?? null,
        h.consecutiveWarnings ?? 0,
      ];
      const results = resultsInsert(run, instant(run.checkedAt, 'checkedAt'));
      await runner.atomic(async (db) => {
        // Only the lease holder writes: the row lock taken here also holds off a claimer until commit.
        const updated = await db.query(
          `UPDATE integration_health SET state = $4, since = $5, consecutive_failures = $6, failing_since = $7,
             certificate_threshold_alerted = $8, room_cursor = $9, last_run_at = $10, next_run_at = $11,
             backoff_until = $12, ews_retirement_threshold_alerted = $13, consecutive_warnings = $14,
             lease_owner = NULL, lease_expires_at = NULL
           WHERE integration_id = $1 AND tenant_id = $2 AND lease_owner = $3`,
          update,
        );
        if (updated.rowCount === 0) {
          throw new StoreConflictError(
            `The health lease of integration ${run.integrationId} is no longer held by ${run.owner}.`,
          );
        }
        if (run.results.length > 0) await db.query(results.text, results.values);
      });
    },

    getIntegrationHealth: (tenantId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT h.* FROM integration_health h JOIN integrations i ON i.id = h.integration_id
           WHERE h.tenant_id = $1 AND i.tenant_id = $1 AND i.status <> 'disconnected'`,
          [tenantId],
        );
        return rows[0] === undefined ? undefined : toIntegrationHealth(rows[0]);
      }),

    setHealthMute: async (tenantId, mutedUntil) => {
      const until = optionalInstant(mutedUntil, 'mutedUntil');
      return runner.run(async (db) => {
        const { rowCount } = await db.query(
          `UPDATE integration_health SET muted_until = $2
           WHERE tenant_id = $1 AND integration_id IN (
             SELECT id FROM integrations WHERE tenant_id = $1 AND status <> 'disconnected')`,
          [tenantId, until],
        );
        return rowCount > 0;
      });
    },

    listHealthResults: async (tenantId, options) => {
      const limit = listLimit(options);
      return runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM health_results WHERE tenant_id = $1 ORDER BY checked_at DESC, seq DESC LIMIT $2',
          [tenantId, limit],
        );
        return rows.map(toHealthResult);
      });
    },

    pruneHealthResults: (before) =>
      runner.run(
        async (db) =>
          (await db.query('DELETE FROM health_results WHERE checked_at < $1', [before.toISOString()]))
            .rowCount,
      ),

    addAlert: async (alert) => {
      const values: Param[] = [
        randomUUID(),
        alert.tenantId,
        alert.integrationId,
        alert.kind,
        alert.severity,
        alert.title,
        alert.summary,
        alert.failingCheck ?? null,
        alert.microsoftCode ?? null,
        alert.remediation ?? null,
        instant(alert.since, 'since'),
        stamp(),
      ];
      return runner.run(async (db) => {
        try {
          const { rows } = await db.query(
            `INSERT INTO health_alerts (id, tenant_id, integration_id, kind, severity, title, summary,
               failing_check, microsoft_code, remediation, since, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             RETURNING *`,
            values,
          );
          return toHealthAlert(rows[0]);
        } catch (error) {
          if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) {
            throw new StoreNotFoundError(
              `No integration ${alert.integrationId} of tenant ${alert.tenantId} to attach the alert to.`,
              { cause: error },
            );
          }
          throw error;
        }
      });
    },

    listAlerts: async (tenantId, options) => {
      const limit = listLimit(options);
      return runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM health_alerts WHERE tenant_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
          [tenantId, limit],
        );
        return rows.map(toHealthAlert);
      });
    },

    listUnplannedAlerts: async (options) => {
      const limit = listLimit(options);
      return runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM health_alerts WHERE planned_at IS NULL ORDER BY seq LIMIT $1',
          [limit],
        );
        return rows.map(toHealthAlert);
      });
    },

    planAlertDeliveries: (alertId, conversationIds, now) =>
      runner.atomic(async (db) => {
        const found = await db.query('SELECT * FROM health_alerts WHERE id = $1', [alertId]);
        if (found.rows[0] === undefined) throw new StoreNotFoundError(`No alert ${alertId}.`);
        const alert = toHealthAlert(found.rows[0]);
        const at = now.toISOString();
        // The primary key (alert, conversation) makes planning again a no-op for known pairs.
        await db.query(
          `INSERT INTO alert_deliveries (alert_id, conversation_id, tenant_id, status, attempts, next_attempt_at,
             created_at, updated_at)
           SELECT $1, conversation_id, $2, 'pending', 0, $3, $3, $3
           FROM unnest($4::text[]) WITH ORDINALITY AS c (conversation_id, position)
           ORDER BY position
           ON CONFLICT (alert_id, conversation_id) DO NOTHING`,
          [alertId, alert.tenantId, at, [...new Set(conversationIds)]],
        );
        await db.query('UPDATE health_alerts SET planned_at = COALESCE(planned_at, $1) WHERE id = $2', [
          at,
          alertId,
        ]);
        const { rows } = await db.query(
          `SELECT * FROM alert_deliveries WHERE tenant_id = $1 AND alert_id = $2
           ORDER BY created_at, conversation_id`,
          [alert.tenantId, alertId],
        );
        return rows.map(toAlertDelivery);
      }),

    claimAlertDeliveries: async (options) => {
      const { now, leaseUntil } = leaseParams(options.now, options.leaseMs);
      const limit = positiveInt(options.limit, 'limit');
      // One transaction: the alerts and mutes are read with the claim, as SQLite does.
      return runner.atomic(async (db) => {
        const claimed = await db.query(CLAIM_DELIVERIES, [now, leaseUntil, options.owner, limit]);
        return withAlerts(db, claimed.rows.map(toAlertDelivery));
      });
    },

    claimNextDeliveryPerConversation: async (options) => {
      const { now, leaseUntil } = leaseParams(options.now, options.leaseMs);
      const limit = positiveInt(options.limit, 'limit');
      const skip = [...(options.skipTenants ?? [])];
      return runner.atomic(async (db) => {
        const claimed = await db.query(CLAIM_NEXT_PER_CONVERSATION, [
          now,
          leaseUntil,
          options.owner,
          limit,
          skip,
        ]);
        return withAlerts(db, claimed.rows.map(toAlertDelivery));
      });
    },

    settleAlertDelivery: async (input) => {
      const { outcome } = input;
      const values: Param[] = [
        input.alertId,
        input.conversationId,
        input.owner,
        outcome.status,
        outcome.status === 'pending' ? instant(outcome.nextAttemptAt, 'nextAttemptAt') : null,
        outcome.status === 'pending' || outcome.status === 'failed' ? outcome.error : null,
        outcome.status === 'sent' ? outcome.activityId : null,
        stamp(),
      ];
      return runner.run(async (db) => {
        const { rows } = await db.query(
          `UPDATE alert_deliveries SET status = $4, next_attempt_at = COALESCE($5::timestamptz, next_attempt_at),
             last_error = COALESCE($6::text, last_error), sent_activity_id = $7,
             lease_owner = NULL, lease_expires_at = NULL, updated_at = $8
           WHERE alert_id = $1 AND conversation_id = $2 AND lease_owner = $3 AND status = 'pending'
           RETURNING *`,
          values,
        );
        if (rows[0] === undefined) {
          throw new StoreConflictError(
            `Delivery of alert ${input.alertId} to ${input.conversationId} is not leased to ${input.owner}.`,
          );
        }
        return toAlertDelivery(rows[0]);
      });
    },

    listAlertDeliveries: (tenantId, alertId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT * FROM alert_deliveries WHERE tenant_id = $1 AND alert_id = $2
           ORDER BY created_at, conversation_id`,
          [tenantId, alertId],
        );
        return rows.map(toAlertDelivery);
      }),

    sentActivityOf: (tenantId, alertId, conversationId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT * FROM alert_deliveries
           WHERE tenant_id = $1 AND alert_id = $2 AND conversation_id = $3 AND status = 'sent'`,
          [tenantId, alertId, conversationId],
        );
        return rows[0] === undefined ? undefined : toAlertDelivery(rows[0]).sentActivityId;
      }),

    incidentClosedBy: (tenantId, alertId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT a.* FROM health_alerts r JOIN health_alerts a
             ON a.tenant_id = r.tenant_id AND a.integration_id = r.integration_id
           WHERE r.tenant_id = $1 AND r.id = $2 AND a.kind IN ('failing', 'degraded', 'recovered')
             AND (a.created_at, a.seq) < (r.created_at, r.seq)
           ORDER BY a.created_at DESC, a.seq DESC LIMIT 1`,
          [tenantId, alertId],
        );
        const alert = rows[0] === undefined ? undefined : toHealthAlert(rows[0]);
        return alert?.kind === 'recovered' ? undefined : alert;
      }),
  };
}
