/**
 * The health tables' SQL (synchronous, better-sqlite3). Claims are single UPDATE / INSERT … RETURNING
 * statements: SQLite runs each under its write lock, so two workers on one database file can never
 * lease the same row.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StoreConflictError, StoreNotFoundError } from '../errors';
import type {
  AlertInput,
  ClaimDeliveriesOptions,
  ClaimDueHealthOptions,
  ClaimedDelivery,
  ClaimHealthOptions,
  ClaimNextDeliveriesOptions,
  HealthClaim,
  HealthRunInput,
  HealthStoreOperations,
  SettleDeliveryInput,
} from '../health-port';
import type { AlertDelivery, HealthAlert, HealthResult, IntegrationHealth } from '../health-types';
import type { ListOptions } from '../port';
import type { IsoInstant } from '../types';
import { instant, leaseParams, listLimit, optionalInstant as optional, positiveInt } from '../arguments';
import { toAlertDelivery, toHealthAlert, toHealthResult, toIntegrationHealth } from '../health-rows';
import { toIntegration } from '../rows';
import type { Sync } from './statements';

type Params = Record<string, string | number | null>;

/** Shared by both claims: a new integration gets its baseline record with the lease already taken. */
const CLAIM_INTO_HEALTH = `
  INSERT INTO integration_health (integration_id, tenant_id, state, since, consecutive_failures, failing_since,
    room_cursor, next_run_at, lease_owner, lease_expires_at)
  SELECT i.id, i.tenant_id,
    CASE i.status WHEN 'failed' THEN 'failing' ELSE 'healthy' END,
    COALESCE(i.verified_at, i.updated_at), 0,
    CASE i.status WHEN 'failed' THEN i.updated_at END,
    0, @now, @owner, @leaseUntil
  FROM integrations i LEFT JOIN integration_health h ON h.integration_id = i.id
  WHERE i.status IN (SELECT value FROM json_each(@statuses))
    AND (h.integration_id IS NULL OR h.lease_expires_at IS NULL OR h.lease_expires_at <= @now)`;
const ON_CONFLICT_TAKE_LEASE = `
  ON CONFLICT (integration_id) DO UPDATE SET lease_owner = excluded.lease_owner,
    lease_expires_at = excluded.lease_expires_at
  RETURNING *`;

export class SqliteHealthStatements implements Sync<HealthStoreOperations> {
  private readonly claimDue;
  private readonly claimOne;
  private readonly integrationById;
  private readonly releaseLease;
  private readonly updateHealth;
  private readonly insertResult;
  private readonly healthOfTenant;
  private readonly setMute;
  private readonly listResults;
  private readonly pruneResults;
  private readonly insertAlert;
  private readonly alertById;
  private readonly listAlertsStmt;
  private readonly listUnplanned;
  private readonly insertDelivery;
  private readonly markPlanned;
  private readonly deliveriesOf;
  private readonly claimDeliveries;
  private readonly muteOf;
  private readonly settleDelivery;
  private readonly claimNextPerConversation;
  private readonly sentActivity;
  private readonly incidentBefore;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
  ) {
    this.claimDue = db.prepare<Params, unknown>(`${CLAIM_INTO_HEALTH}
        AND (h.integration_id IS NULL OR h.next_run_at <= @now)
      ORDER BY h.integration_id IS NOT NULL, h.next_run_at, i.created_at, i.id
      LIMIT @limit
      ${ON_CONFLICT_TAKE_LEASE}`);
    this.claimOne = db.prepare<Params, unknown>(`${CLAIM_INTO_HEALTH}
        AND i.tenant_id = @tenantId AND i.status <> 'disconnected'
      ${ON_CONFLICT_TAKE_LEASE}`);
    this.integrationById = db.prepare<[string], unknown>('SELECT * FROM integrations WHERE id = ?');
    this.releaseLease = db.prepare<Params>(`
      UPDATE integration_health SET lease_owner = NULL, lease_expires_at = NULL
      WHERE integration_id = @integrationId AND tenant_id = @tenantId AND lease_owner = @owner`);
    this.updateHealth = db.prepare<Params>(`
      UPDATE integration_health SET state = @state, since = @since, consecutive_failures = @consecutiveFailures,
        consecutive_warnings = @consecutiveWarnings,
        failing_since = @failingSince, certificate_threshold_alerted = @certificateThresholdAlerted,
        ews_retirement_threshold_alerted = @ewsRetirementThresholdAlerted, room_cursor = @roomCursor, last_run_at = @lastRunAt, next_run_at = @nextRunAt,
        backoff_until = @backoffUntil, lease_owner = NULL, lease_expires_at = NULL
      WHERE integration_id = @integrationId AND tenant_id = @tenantId AND lease_owner = @owner`);
    this.insertResult = db.prepare<Params>(`
      INSERT INTO health_results (id, run_id, integration_id, tenant_id, check_name, status, diagnostic, detail,
        duration_ms, checked_at)
      VALUES (@id, @runId, @integrationId, @tenantId, @check, @status, @diagnostic, @detail, @durationMs, @checkedAt)`);
    this.healthOfTenant = db.prepare<[string], unknown>(`
      SELECT h.* FROM integration_health h JOIN integrations i ON i.id = h.integration_id
      WHERE i.tenant_id = ? AND i.status <> 'disconnected'`);
    this.setMute = db.prepare<Params>(`
      UPDATE integration_health SET muted_until = @mutedUntil
      WHERE tenant_id = @tenantId AND integration_id IN (
        SELECT id FROM integrations WHERE tenant_id = @tenantId AND status <> 'disconnected')`);
    this.listResults = db.prepare<[string, number], unknown>(`
      SELECT * FROM health_results WHERE tenant_id = ? ORDER BY checked_at DESC, seq DESC LIMIT ?`);
    this.pruneResults = db.prepare<[string]>('DELETE FROM health_results WHERE checked_at < ?');
    this.insertAlert = db.prepare<Params, unknown>(`
      INSERT INTO health_alerts (id, tenant_id, integration_id, kind, severity, title, summary, failing_check,
        microsoft_code, remediation, since, created_at)
      VALUES (@id, @tenantId, @integrationId, @kind, @severity, @title, @summary, @failingCheck, @microsoftCode,
        @remediation, @since, @now)
      RETURNING *`);
    this.alertById = db.prepare<[string], unknown>('SELECT * FROM health_alerts WHERE id = ?');
    this.listAlertsStmt = db.prepare<[string, number], unknown>(`
      SELECT * FROM health_alerts WHERE tenant_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?`);
    this.listUnplanned = db.prepare<[number], unknown>(`
      SELECT * FROM health_alerts WHERE planned_at IS NULL ORDER BY seq LIMIT ?`);
    this.insertDelivery = db.prepare<Params>(`
      INSERT INTO alert_deliveries (alert_id, conversation_id, tenant_id, status, attempts, next_attempt_at,
        created_at, updated_at)
      VALUES (@alertId, @conversationId, @tenantId, 'pending', 0, @now, @now, @now)
      ON CONFLICT (alert_id, conversation_id) DO NOTHING`);
    this.markPlanned = db.prepare<[string, string]>(
      'UPDATE health_alerts SET planned_at = COALESCE(planned_at, ?) WHERE id = ?',
    );
    this.deliveriesOf = db.prepare<[string, string], unknown>(`
      SELECT * FROM alert_deliveries WHERE tenant_id = ? AND alert_id = ? ORDER BY created_at, conversation_id`);
    this.claimDeliveries = db.prepare<Params, unknown>(`
      UPDATE alert_deliveries SET lease_owner = @owner, lease_expires_at = @leaseUntil, attempts = attempts + 1,
        updated_at = @now
      WHERE rowid IN (
        SELECT rowid FROM alert_deliveries
        WHERE status = 'pending' AND next_attempt_at <= @now
          AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
        ORDER BY next_attempt_at, created_at, rowid LIMIT @limit)
      RETURNING *`);
    this.muteOf = db
      .prepare<[string], string | null>('SELECT muted_until FROM integration_health WHERE integration_id = ?')
      .pluck();
    this.settleDelivery = db.prepare<Params, unknown>(`
      UPDATE alert_deliveries SET status = @status, next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at),
        last_error = COALESCE(@error, last_error), sent_activity_id = @activityId,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE alert_id = @alertId AND conversation_id = @conversationId AND lease_owner = @owner
        AND status = 'pending'
      RETURNING *`);
    // Plan order is rowid order (planning inserts an alert's rows after the earlier alert's). One
    // statement under SQLite's write lock, so two notifiers never lease two of one conversation.
    this.claimNextPerConversation = db.prepare<Params, unknown>(`
      WITH queue AS (
        SELECT rowid AS id, tenant_id, next_attempt_at, created_at,
          row_number() OVER (PARTITION BY conversation_id ORDER BY rowid) AS position,
          sum(lease_expires_at > @now) OVER (PARTITION BY conversation_id) AS leased
        FROM alert_deliveries WHERE status = 'pending'
      )
      UPDATE alert_deliveries SET lease_owner = @owner, lease_expires_at = @leaseUntil, attempts = attempts + 1,
        updated_at = @now
      WHERE rowid IN (
        SELECT id FROM queue
        WHERE position = 1 AND coalesce(leased, 0) = 0 AND next_attempt_at <= @now
          AND tenant_id NOT IN (SELECT value FROM json_each(@skipTenants))
        ORDER BY next_attempt_at, created_at, id LIMIT @limit)
      RETURNING *`);
    this.sentActivity = db
      .prepare<[string, string, string], string | null>(
        `SELECT sent_activity_id FROM alert_deliveries
         WHERE tenant_id = ? AND alert_id = ? AND conversation_id = ? AND status = 'sent'`,
      )
      .pluck();
    this.incidentBefore = db.prepare<[string, string], unknown>(`
      SELECT a.* FROM health_alerts r JOIN health_alerts a
        ON a.tenant_id = r.tenant_id AND a.integration_id = r.integration_id
      WHERE r.tenant_id = ? AND r.id = ? AND a.kind IN ('failing', 'degraded', 'recovered')
        AND (a.created_at < r.created_at OR (a.created_at = r.created_at AND a.seq < r.seq))
      ORDER BY a.created_at DESC, a.seq DESC LIMIT 1`);
  }

  private stamp(): string {
    return this.clock().toISOString();
  }

  private withIntegration(health: IntegrationHealth): HealthClaim {
    return { integration: toIntegration(this.integrationById.get(health.integrationId)), health };
  }

  claimDueHealthChecks(options: ClaimDueHealthOptions): HealthClaim[] {
    const rows = this.claimDue.all({
      ...leaseParams(options.now, options.leaseMs),
      owner: options.owner,
      statuses: JSON.stringify(options.statuses),
      limit: positiveInt(options.limit, 'limit'),
    });
    return rows
      .map(toIntegrationHealth)
      .sort((a, b) => a.nextRunAt.localeCompare(b.nextRunAt))
      .map((h) => this.withIntegration(h));
  }

  claimHealthCheck(options: ClaimHealthOptions): HealthClaim | undefined {
    const row = this.claimOne.get({
      ...leaseParams(options.now, options.leaseMs),
      owner: options.owner,
      tenantId: options.tenantId,
      statuses: JSON.stringify(options.statuses),
    });
    return row === undefined ? undefined : this.withIntegration(toIntegrationHealth(row));
  }

  releaseHealthLease(integrationId: string, tenantId: string, owner: string): void {
    this.releaseLease.run({ integrationId, tenantId, owner });
  }

  recordHealthRun(run: HealthRunInput): void {
    const h = run.health;
    this.db.transaction(() => {
      const updated = this.updateHealth.run({
        integrationId: run.integrationId,
        tenantId: run.tenantId,
        owner: run.owner,
        state: h.state,
        since: instant(h.since, 'since'),
        consecutiveFailures: h.consecutiveFailures,
        consecutiveWarnings: h.consecutiveWarnings ?? 0,
        failingSince: optional(h.failingSince, 'failingSince'),
        certificateThresholdAlerted: h.certificateThresholdAlerted ?? null,
        ewsRetirementThresholdAlerted: h.ewsRetirementThresholdAlerted ?? null,
        roomCursor: h.roomCursor,
        lastRunAt: optional(h.lastRunAt, 'lastRunAt'),
        nextRunAt: instant(h.nextRunAt, 'nextRunAt'),
        backoffUntil: optional(h.backoffUntil, 'backoffUntil'),
      });
      if (updated.changes === 0) {
        throw new StoreConflictError(
          `The health lease of integration ${run.integrationId} is no longer held by ${run.owner}.`,
        );
      }
      const checkedAt = instant(run.checkedAt, 'checkedAt');
      for (const result of run.results) {
        this.insertResult.run({
          id: randomUUID(),
          runId: run.runId,
          integrationId: run.integrationId,
          tenantId: run.tenantId,
          check: result.check,
          status: result.status,
          diagnostic: result.diagnostic ? JSON.stringify(result.diagnostic) : null,
          detail: result.detail ? JSON.stringify(result.detail) : null,
          durationMs: Math.max(0, result.durationMs),
          checkedAt,
        });
      }
    })();
  }

  getIntegrationHealth(tenantId: string): IntegrationHealth | undefined {
    const row = this.healthOfTenant.get(tenantId);
    return row === undefined ? undefined : toIntegrationHealth(row);
  }

  setHealthMute(tenantId: string, mutedUntil: IsoInstant | undefined): boolean {
    return this.setMute.run({ tenantId, mutedUntil: optional(mutedUntil, 'mutedUntil') }).changes > 0;
  }

  listHealthResults(tenantId: string, options: ListOptions): HealthResult[] {
    return this.listResults.all(tenantId, listLimit(options)).map(toHealthResult);
  }

  pruneHealthResults(before: Date): number {
    return this.pruneResults.run(before.toISOString()).changes;
  }

  addAlert(alert: AlertInput): HealthAlert {
    try {
      return toHealthAlert(
        this.insertAlert.get({
          id: randomUUID(),
          tenantId: alert.tenantId,
          integrationId: alert.integrationId,
          kind: alert.kind,
          severity: alert.severity,
          title: alert.title,
          summary: alert.summary,
          failingCheck: alert.failingCheck ?? null,
          microsoftCode: alert.microsoftCode ?? null,
          remediation: alert.remediation ?? null,
          since: instant(alert.since, 'since'),
          now: this.stamp(),
        }),
      );
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StoreNotFoundError(
          `No integration ${alert.integrationId} of tenant ${alert.tenantId} to attach the alert to.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  listAlerts(tenantId: string, options: ListOptions): HealthAlert[] {
    return this.listAlertsStmt.all(tenantId, listLimit(options)).map(toHealthAlert);
  }

  listUnplannedAlerts(options: ListOptions): HealthAlert[] {
    return this.listUnplanned.all(listLimit(options)).map(toHealthAlert);
  }

  planAlertDeliveries(alertId: string, conversationIds: readonly string[], now: Date): AlertDelivery[] {
    return this.db.transaction(() => {
      const row = this.alertById.get(alertId);
      if (row === undefined) throw new StoreNotFoundError(`No alert ${alertId}.`);
      const alert = toHealthAlert(row);
      const stamp = now.toISOString();
      for (const conversationId of new Set(conversationIds)) {
        this.insertDelivery.run({ alertId, conversationId, tenantId: alert.tenantId, now: stamp });
      }
      this.markPlanned.run(stamp, alertId);
      return this.deliveriesOf.all(alert.tenantId, alertId).map(toAlertDelivery);
    })();
  }

  claimAlertDeliveries(options: ClaimDeliveriesOptions): ClaimedDelivery[] {
    return this.db.transaction(() =>
      this.withAlerts(
        this.claimDeliveries.all({
          ...leaseParams(options.now, options.leaseMs),
          owner: options.owner,
          limit: positiveInt(options.limit, 'limit'),
        }),
      ),
    )();
  }

  claimNextDeliveryPerConversation(options: ClaimNextDeliveriesOptions): ClaimedDelivery[] {
    return this.db.transaction(() =>
      this.withAlerts(
        this.claimNextPerConversation.all({
          ...leaseParams(options.now, options.leaseMs),
          owner: options.owner,
          limit: positiveInt(options.limit, 'limit'),
          skipTenants: JSON.stringify(options.skipTenants ?? []),
        }),
      ),
    )();
  }

  /** Claimed rows, oldest due first, with their alerts and the tenant's mute (same transaction). */
  private withAlerts(rows: unknown[]): ClaimedDelivery[] {
    return rows
      .map(toAlertDelivery)
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt))
      .map((delivery): ClaimedDelivery => {
        const alert = toHealthAlert(this.alertById.get(delivery.alertId));
        const mutedUntil = this.muteOf.get(alert.integrationId) ?? undefined;
        return { delivery, alert, ...(mutedUntil ? { mutedUntil } : {}) };
      });
  }

  settleAlertDelivery(input: SettleDeliveryInput): AlertDelivery {
    const { outcome } = input;
    const row = this.settleDelivery.get({
      alertId: input.alertId,
      conversationId: input.conversationId,
      owner: input.owner,
      status: outcome.status,
      nextAttemptAt: outcome.status === 'pending' ? instant(outcome.nextAttemptAt, 'nextAttemptAt') : null,
      error: outcome.status === 'pending' || outcome.status === 'failed' ? outcome.error : null,
      activityId: outcome.status === 'sent' ? outcome.activityId : null,
      now: this.stamp(),
    });
    if (row === undefined) {
      throw new StoreConflictError(
        `Delivery of alert ${input.alertId} to ${input.conversationId} is not leased to ${input.owner}.`,
      );
    }
    return toAlertDelivery(row);
  }

  listAlertDeliveries(tenantId: string, alertId: string): AlertDelivery[] {
    return this.deliveriesOf.all(tenantId, alertId).map(toAlertDelivery);
  }

  sentActivityOf(tenantId: string, alertId: string, conversationId: string): string | undefined {
    return this.sentActivity.get(tenantId, alertId, conversationId) ?? undefined;
  }

  incidentClosedBy(tenantId: string, alertId: string): HealthAlert | undefined {
    const row = this.incidentBefore.get(tenantId, alertId);
    if (row === undefined) return undefined;
    const alert = toHealthAlert(row);
    return alert.kind === 'recovered' ? undefined : alert;
  }
}
