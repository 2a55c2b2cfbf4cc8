/**
 * Schema migrations: append only. Each runs once, in order, inside the transaction that opens the
 * database, and is recorded in schema_migrations. Never edit a migration that has shipped: the enum
 * values in CHECK constraints are spelled out so a change to types.ts needs a new migration.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: tenants, integrations, verification traces, consent states, audit log.
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    display_name TEXT,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE integrations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    method TEXT NOT NULL CHECK (method IN ('modern', 'basic')),
    status TEXT NOT NULL CHECK (status IN ('pending_consent', 'verifying', 'pending', 'verified', 'failed', 'disconnected')),
    ews_url TEXT,
    autodiscover_address TEXT,
    service_account TEXT,
    secret_id TEXT,
    verified_mailbox TEXT,
    verified_at TEXT,
    consented_by TEXT,
    consented_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    -- target of the traces' composite key, so a trace cannot point at another tenant's integration
    UNIQUE (id, tenant_id)
  ) STRICT;
  CREATE UNIQUE INDEX integrations_one_active_per_tenant
    ON integrations (tenant_id) WHERE status <> 'disconnected';
  CREATE INDEX integrations_by_status ON integrations (status);

  CREATE TABLE verification_traces (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    integration_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('verified', 'pending', 'failed')),
    mailbox TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    steps TEXT NOT NULL,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  CREATE INDEX verification_traces_by_tenant
    ON verification_traces (tenant_id, started_at DESC, seq DESC);

  -- No foreign key to tenants: a consent URL may be asked for before the tenant row exists.
  CREATE TABLE consent_states (
    state_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    upn TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
  ) STRICT;
  CREATE INDEX consent_states_by_expiry ON consent_states (expires_at);

  -- No foreign key to tenants either: refused attempts are audited too.
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    actor_oid TEXT NOT NULL,
    actor_upn TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    result TEXT NOT NULL CHECK (result IN ('success', 'failure')),
    detail TEXT,
    at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, at DESC, seq DESC);
  `,
  // 2: health state per integration (with the scheduler's lease), check history, alert outbox and
  // per-conversation deliveries.
  `
  CREATE TABLE integration_health (
    integration_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('healthy', 'degraded', 'failing')),
    since TEXT NOT NULL,
    consecutive_failures INTEGER NOT NULL CHECK (consecutive_failures >= 0),
    failing_since TEXT,
    certificate_threshold_alerted INTEGER,
    room_cursor INTEGER NOT NULL CHECK (room_cursor >= 0),
    last_run_at TEXT,
    next_run_at TEXT NOT NULL,
    backoff_until TEXT,
    muted_until TEXT,
    lease_owner TEXT,
    lease_expires_at TEXT,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  CREATE INDEX integration_health_by_due ON integration_health (next_run_at);
  CREATE INDEX integration_health_by_tenant ON integration_health (tenant_id);

  CREATE TABLE health_results (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    check_name TEXT NOT NULL CHECK (check_name IN ('token', 'certificate', 'secret', 'mailbox', 'rooms', 'ewsAllowList')),
    status TEXT NOT NULL CHECK (status IN ('ok', 'warn', 'fail')),
    diagnostic TEXT,
    detail TEXT,
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    checked_at TEXT NOT NULL,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  CREATE INDEX health_results_by_tenant ON health_results (tenant_id, checked_at DESC, seq DESC);
  CREATE INDEX health_results_by_time ON health_results (checked_at);

  CREATE TABLE health_alerts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('failing', 'degraded', 'recovered', 'certificate_expiring')),
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    failing_check TEXT,
    microsoft_code TEXT,
    remediation TEXT,
    since TEXT NOT NULL,
    created_at TEXT NOT NULL,
    planned_at TEXT,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  CREATE INDEX health_alerts_by_tenant ON health_alerts (tenant_id, created_at DESC, seq DESC);
  CREATE INDEX health_alerts_unplanned ON health_alerts (seq) WHERE planned_at IS NULL;

  CREATE TABLE alert_deliveries (
    alert_id TEXT NOT NULL REFERENCES health_alerts (id),
    conversation_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_activity_id TEXT,
    lease_owner TEXT,
    lease_expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, conversation_id)
  ) STRICT;
  CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
  `,
  // 3: the bot's conversation subscriptions (where alerts go) with their conversation references.
  // alert_deliveries.conversation_id names these rows; no foreign key, so a removed conversation
  // keeps its delivery history.
  `
  CREATE TABLE conversation_subscriptions (
    conversation_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('personal', 'team')),
    reference TEXT NOT NULL,
    installed_by TEXT NOT NULL,
    muted_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    removed_at TEXT
  ) STRICT;
  CREATE INDEX conversation_subscriptions_active
    ON conversation_subscriptions (tenant_id, created_at) WHERE removed_at IS NULL;
  `,
  // 4: Exchange Online over Microsoft Graph (protocol; existing modern connections are EWS), the
  // room-only access scope and the app's service principal id (RBAC for Applications), the
  // verification mailbox a Global Admin chose, and which API a consent asked for.
  `
  ALTER TABLE integrations ADD COLUMN protocol TEXT CHECK (protocol IN ('graph', 'ews'));
  UPDATE integrations SET protocol = 'ews' WHERE method = 'modern';
  ALTER TABLE integrations ADD COLUMN access_scope TEXT CHECK (access_scope IN ('organisation', 'rooms'));
  ALTER TABLE integrations ADD COLUMN service_principal_id TEXT;
  ALTER TABLE integrations ADD COLUMN verification_mailbox TEXT;
  ALTER TABLE integrations ADD COLUMN verification_mailbox_chosen_by TEXT;
  ALTER TABLE integrations ADD COLUMN verification_mailbox_chosen_at TEXT;
  ALTER TABLE consent_states ADD COLUMN protocol TEXT CHECK (protocol IN ('graph', 'ews'));
  `,
  // 5: two more health checks (the room-only scope, the EWS retirement countdown), its own alert
  // kind for the countdown, the lowest countdown threshold alerted, and the warnings in a row
  // (degraded is damped like failing). SQLite cannot change a
  // CHECK constraint: the two tables are rebuilt (foreign keys checked at commit, so the
  // deliveries that name alerts stay valid across the swap).
  `
  PRAGMA defer_foreign_keys = ON;
  ALTER TABLE integration_health ADD COLUMN ews_retirement_threshold_alerted INTEGER;
  ALTER TABLE integration_health ADD COLUMN consecutive_warnings INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_warnings >= 0);

  CREATE TABLE health_results_v5 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    check_name TEXT NOT NULL CHECK (check_name IN ('token', 'certificate', 'secret', 'mailbox', 'rooms', 'ewsAllowList', 'scope', 'ewsRetirement')),
    status TEXT NOT NULL CHECK (status IN ('ok', 'warn', 'fail')),
    diagnostic TEXT,
    detail TEXT,
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    checked_at TEXT NOT NULL,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  INSERT INTO health_results_v5 SELECT * FROM health_results;
  DROP TABLE health_results;
  ALTER TABLE health_results_v5 RENAME TO health_results;
  CREATE INDEX health_results_by_tenant ON health_results (tenant_id, checked_at DESC, seq DESC);
  CREATE INDEX health_results_by_time ON health_results (checked_at);

  CREATE TABLE health_alerts_v5 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('failing', 'degraded', 'recovered', 'certificate_expiring', 'ews_retiring')),
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    failing_check TEXT,
    microsoft_code TEXT,
    remediation TEXT,
    since TEXT NOT NULL,
    created_at TEXT NOT NULL,
    planned_at TEXT,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  ) STRICT;
  INSERT INTO health_alerts_v5 SELECT * FROM health_alerts;
  DROP TABLE health_alerts;
  ALTER TABLE health_alerts_v5 RENAME TO health_alerts;
  CREATE INDEX health_alerts_by_tenant ON health_alerts (tenant_id, created_at DESC, seq DESC);
  CREATE INDEX health_alerts_unplanned ON health_alerts (seq) WHERE planned_at IS NULL;
  `,
  // 6: retention. The daily prune walks traces, audit rows and alerts by age across tenants, oldest
  // first, in short batches: an index on each one's time keeps every batch a range scan.
  `
  CREATE INDEX verification_traces_by_time ON verification_traces (started_at, seq);
  CREATE INDEX audit_log_by_time ON audit_log (at, seq);
  CREATE INDEX health_alerts_by_time ON health_alerts (created_at, seq);
  `,
  // 7: single-use nonces of sealed passwords, each bound to a tenant, a user and a purpose (only
  // the nonce's hash is stored). No foreign key to tenants: a nonce may precede the tenant's row.
  `
  CREATE TABLE sealing_nonces (
    nonce_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('connect', 'update')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
  ) STRICT;
  CREATE INDEX sealing_nonces_by_expiry ON sealing_nonces (expires_at);
  `,
  // 8: the bot serves admins. Global Administrators seen in the tab (their SSO token's wids), with
  // when they were last seen; no foreign key to tenants (an admin may open the tab before the tenant
  // row exists). Per conversation: a team's alert choice (who chose, when) and when `check` last ran
  // there (its rate limit, shared by every instance).
  `
  CREATE TABLE admin_sightings (
    tenant_id TEXT NOT NULL,
    user_oid TEXT NOT NULL,
    upn TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_oid)
  ) STRICT;
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts TEXT CHECK (channel_alerts IN ('on', 'off'));
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts_chosen_by TEXT;
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts_chosen_at TEXT;
  ALTER TABLE conversation_subscriptions ADD COLUMN last_check_at TEXT;
  `,
];

/** Applies the migrations this database lacks, all in one write transaction. */
export function migrate(db: Database.Database, now: () => Date): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const applied = new Set(db.prepare<[], number>('SELECT id FROM schema_migrations').pluck().all());
    const newest = Math.max(0, ...applied);
    if (newest > MIGRATIONS.length) {
      throw new Error(
        `The database schema (migration ${newest}) is newer than this build knows (${MIGRATIONS.length}): upgrade the app.`,
      );
    }
    const record = db.prepare<[number, string]>(
      'INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)',
    );
    MIGRATIONS.forEach((sql, index) => {
      const id = index + 1;
      if (applied.has(id)) return;
      db.exec(sql);
      record.run(id, now().toISOString());
    });
  }).immediate();
}
