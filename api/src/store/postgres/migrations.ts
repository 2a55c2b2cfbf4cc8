/**
 * PostgreSQL schema migrations: append only, the same tables and constraints as the SQLite ones
 * (sqlite/migrations.ts). All pending migrations run in one transaction (DDL is transactional here)
 * under an advisory lock, so app instances starting together apply each migration exactly once, and
 * each is recorded in schema_migrations. Never edit a migration that has shipped: the enum values in
 * CHECK constraints are spelled out so a change to types.ts needs a new migration.
 *
 * Column choices: instants are `timestamptz` (ordered as instants whatever the collation; the pool's
 * type parser hands them back as canonical ISO text, see column-types.ts); JSON is `json`, which
 * validates on write and keeps the exact text the adapter wrote; identifiers are `COLLATE "C"`, so
 * they sort bytewise like SQLite's text; `seq` identity columns break ties in insertion order where
 * SQLite uses its rowid.
 */
import type { Pool } from 'pg';
import { withClientTransaction } from './client-transaction';

/** Names the advisory lock that serialises migrations (exported for the test that holds it). */
export const MIGRATION_LOCK_NAME = 'exchange-connect:schema-migrations';

export const MIGRATIONS: readonly string[] = [
  // 1: tenants, integrations, verification traces, consent states, audit log.
  `
  CREATE TABLE tenants (
    id text COLLATE "C" PRIMARY KEY,
    display_name text,
    created_at timestamptz NOT NULL
  );

  CREATE TABLE integrations (
    id text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
    method text NOT NULL CHECK (method IN ('modern', 'basic')),
    status text NOT NULL CHECK (status IN ('pending_consent', 'verifying', 'pending', 'verified', 'failed', 'disconnected')),
    ews_url text,
    autodiscover_address text,
    service_account text,
    secret_id text,
    verified_mailbox text,
    verified_at timestamptz,
    consented_by text,
    consented_at timestamptz,
    last_error json,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    -- target of the composite foreign keys, so a trace cannot point at another tenant's integration
    UNIQUE (id, tenant_id)
  );
  CREATE UNIQUE INDEX integrations_one_active_per_tenant
    ON integrations (tenant_id) WHERE status <> 'disconnected';
  CREATE INDEX integrations_by_status ON integrations (status);

  CREATE TABLE verification_traces (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    integration_id text COLLATE "C" NOT NULL,
    tenant_id text COLLATE "C" NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('verified', 'pending', 'failed')),
    mailbox text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    steps json NOT NULL,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  );
  CREATE INDEX verification_traces_by_tenant
    ON verification_traces (tenant_id, started_at DESC, seq DESC);

  -- No foreign key to tenants: a consent URL may be asked for before the tenant row exists.
  CREATE TABLE consent_states (
    state_hash text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    user_id text NOT NULL,
    upn text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  );
  CREATE INDEX consent_states_by_expiry ON consent_states (expires_at);

  -- No foreign key to tenants either: refused attempts are audited too.
  CREATE TABLE audit_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    tenant_id text COLLATE "C" NOT NULL,
    actor_oid text NOT NULL,
    actor_upn text NOT NULL,
    action text NOT NULL,
    target text,
    result text NOT NULL CHECK (result IN ('success', 'failure')),
    detail json,
    at timestamptz NOT NULL
  );
  CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, at DESC, seq DESC);
  `,
  // 2: health state per integration (with the scheduler's lease), check history, alert outbox and
  // per-conversation deliveries.
  `
  CREATE TABLE integration_health (
    integration_id text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    state text NOT NULL CHECK (state IN ('healthy', 'degraded', 'failing')),
    since timestamptz NOT NULL,
    consecutive_failures integer NOT NULL CHECK (consecutive_failures >= 0),
    failing_since timestamptz,
    certificate_threshold_alerted integer,
    room_cursor integer NOT NULL CHECK (room_cursor >= 0),
    last_run_at timestamptz,
    next_run_at timestamptz NOT NULL,
    backoff_until timestamptz,
    muted_until timestamptz,
    lease_owner text,
    lease_expires_at timestamptz,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  );
  CREATE INDEX integration_health_by_due ON integration_health (next_run_at);
  CREATE INDEX integration_health_by_tenant ON integration_health (tenant_id);

  CREATE TABLE health_results (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    run_id text NOT NULL,
    integration_id text COLLATE "C" NOT NULL,
    tenant_id text COLLATE "C" NOT NULL,
    check_name text NOT NULL CHECK (check_name IN ('token', 'certificate', 'secret', 'mailbox', 'rooms', 'ewsAllowList')),
    status text NOT NULL CHECK (status IN ('ok', 'warn', 'fail')),
    diagnostic json,
    detail json,
    duration_ms double precision NOT NULL CHECK (duration_ms >= 0),
    checked_at timestamptz NOT NULL,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  );
  CREATE INDEX health_results_by_tenant ON health_results (tenant_id, checked_at DESC, seq DESC);
  CREATE INDEX health_results_by_time ON health_results (checked_at);

  CREATE TABLE health_alerts (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    tenant_id text COLLATE "C" NOT NULL,
    integration_id text COLLATE "C" NOT NULL,
    kind text NOT NULL CHECK (kind IN ('failing', 'degraded', 'recovered', 'certificate_expiring')),
    severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    title text NOT NULL,
    summary text NOT NULL,
    failing_check text,
    microsoft_code text,
    remediation text,
    since timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    planned_at timestamptz,
    FOREIGN KEY (integration_id, tenant_id) REFERENCES integrations (id, tenant_id)
  );
  CREATE INDEX health_alerts_by_tenant ON health_alerts (tenant_id, created_at DESC, seq DESC);
  CREATE INDEX health_alerts_unplanned ON health_alerts (seq) WHERE planned_at IS NULL;

  CREATE TABLE alert_deliveries (
    alert_id text COLLATE "C" NOT NULL REFERENCES health_alerts (id),
    conversation_id text COLLATE "C" NOT NULL,
    tenant_id text COLLATE "C" NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts integer NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    sent_activity_id text,
    lease_owner text,
    lease_expires_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- insertion order, SQLite's rowid
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (alert_id, conversation_id)
  );
  CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
  `,
  // 3: the bot's conversation subscriptions (where alerts go) with their conversation references.
  // alert_deliveries.conversation_id names these rows; no foreign key, so a removed conversation
  // keeps its delivery history.
  `
  CREATE TABLE conversation_subscriptions (
    conversation_id text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    scope text NOT NULL CHECK (scope IN ('personal', 'team')),
    reference json NOT NULL,
    installed_by text NOT NULL,
    muted_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    removed_at timestamptz
  );
  CREATE INDEX conversation_subscriptions_active
    ON conversation_subscriptions (tenant_id, created_at) WHERE removed_at IS NULL;
  `,
  // 4: Exchange Online over Microsoft Graph (protocol; existing modern connections are EWS), the
  // room-only access scope and the app's service principal id (RBAC for Applications), the
  // verification mailbox a Global Admin chose, and which API a consent asked for.
  `
  ALTER TABLE integrations ADD COLUMN protocol text CHECK (protocol IN ('graph', 'ews'));
  UPDATE integrations SET protocol = 'ews' WHERE method = 'modern';
  ALTER TABLE integrations ADD COLUMN access_scope text CHECK (access_scope IN ('organisation', 'rooms'));
  ALTER TABLE integrations ADD COLUMN service_principal_id text;
  ALTER TABLE integrations ADD COLUMN verification_mailbox text;
  ALTER TABLE integrations ADD COLUMN verification_mailbox_chosen_by text;
  ALTER TABLE integrations ADD COLUMN verification_mailbox_chosen_at timestamptz;
  ALTER TABLE consent_states ADD COLUMN protocol text CHECK (protocol IN ('graph', 'ews'));
  `,
  // 5: two more health checks (the room-only scope, the EWS retirement countdown), its own alert
  // kind for the countdown, the lowest countdown threshold alerted, and the warnings in a row
  // (degraded is damped like failing).
  `
  ALTER TABLE integration_health ADD COLUMN ews_retirement_threshold_alerted integer;
  ALTER TABLE integration_health ADD COLUMN consecutive_warnings integer NOT NULL DEFAULT 0 CHECK (consecutive_warnings >= 0);
  ALTER TABLE health_results DROP CONSTRAINT health_results_check_name_check;
  ALTER TABLE health_results ADD CONSTRAINT health_results_check_name_check
    CHECK (check_name IN ('token', 'certificate', 'secret', 'mailbox', 'rooms', 'ewsAllowList', 'scope', 'ewsRetirement'));
  ALTER TABLE health_alerts DROP CONSTRAINT health_alerts_kind_check;
  ALTER TABLE health_alerts ADD CONSTRAINT health_alerts_kind_check
    CHECK (kind IN ('failing', 'degraded', 'recovered', 'certificate_expiring', 'ews_retiring'));
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
    nonce_hash text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    purpose text NOT NULL CHECK (purpose IN ('connect', 'update')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  );
  CREATE INDEX sealing_nonces_by_expiry ON sealing_nonces (expires_at);
  `,
  // 8: the bot serves admins. Global Administrators seen in the tab (their SSO token's wids), with
  // when they were last seen; no foreign key to tenants (an admin may open the tab before the tenant
  // row exists). Per conversation: a team's alert choice (who chose, when) and when `check` last ran
  // there (its rate limit, shared by every instance).
  `
  CREATE TABLE admin_sightings (
    tenant_id text COLLATE "C" NOT NULL,
    user_oid text COLLATE "C" NOT NULL,
    upn text NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_oid)
  );
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts text CHECK (channel_alerts IN ('on', 'off'));
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts_chosen_by text;
  ALTER TABLE conversation_subscriptions ADD COLUMN channel_alerts_chosen_at timestamptz;
  ALTER TABLE conversation_subscriptions ADD COLUMN last_check_at timestamptz;
  `,
];

/**
 * Applies the migrations this database lacks, all in one transaction. The transaction-scoped
 * advisory lock makes a second instance wait here until the first has committed (or died: the lock
 * goes with its session), then find nothing left to do.
 */
export async function migrate(pool: Pool, now: () => Date): Promise<void> {
  await withClientTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [MIGRATION_LOCK_NAME]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      applied_at timestamptz NOT NULL
    )`);
    const { rows } = await client.query<{ id: number }>('SELECT id FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.id));
    const newest = Math.max(0, ...applied);
    if (newest > MIGRATIONS.length) {
      throw new Error(
        `The database schema (migration ${newest}) is newer than this build knows (${MIGRATIONS.length}): upgrade the app.`,
      );
    }
    for (const [index, sql] of MIGRATIONS.entries()) {
      const id = index + 1;
      if (applied.has(id)) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [
        id,
        now().toISOString(),
      ]);
    }
  });
}
