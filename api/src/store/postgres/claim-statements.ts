/**
 * The lease-claiming statements, correct under READ COMMITTED with any number of workers claiming at
 * once. Chosen: lock-and-skip for the candidates plus a conditional write that re-checks the lease on
 * the row it locks, rather than SERIALIZABLE (which would turn every overlap into a retry).
 *
 * Health checks — `INSERT … ON CONFLICT DO UPDATE … WHERE <lease free, still due>`. The candidates
 * come from the statement's snapshot, which a concurrent claimer may have made stale; the conflict
 * branch, though, locks the current row version and re-checks the WHERE on it, so a lease is only
 * ever taken while free (and a record another worker is inserting right now makes us wait for its
 * commit, then find the lease taken). Correctness rests on that re-check alone. The candidates are
 * also selected `FOR NO KEY UPDATE OF i SKIP LOCKED` on the integration row (the health row may not
 * exist yet, and the nullable side of an outer join cannot be locked): that is for throughput, so
 * claimers split the due work instead of queueing for the same first `limit` rows. The status is
 * re-checked on the locked row, so an integration disconnected a moment ago is not claimed. NO KEY
 * UPDATE does not block the KEY SHARE locks that foreign key checks (traces, alerts) take. A
 * candidate can still be lost (see CLAIM_DUE_HEALTH): the statement says so, and the caller runs it
 * again, so each claimer gets its `limit` while enough are due, as with SQLite's single writer.
 *
 * Deliveries — the classic `UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)`: rows another
 * claimer holds are skipped, and a row it has just committed is re-checked (EvalPlanQual) against the
 * lease condition when it is locked, so it drops out and the next due row takes its place.
 *
 * Next delivery per conversation — the same lock-and-skip, on candidates that are the head of their
 * conversation's queue (oldest pending by `seq`, nothing of that conversation leased) in the
 * statement's snapshot. The lock re-checks only the candidate row (pending, due, lease free), which is
 * enough: a row that was the head in any snapshot stays ahead of every row of its conversation that is
 * pending now (rows never return to pending, and planning inserts an alert's rows only after the
 * earlier alerts' rows have committed), so a stale snapshot can make a claimer miss a conversation
 * but never lease a second delivery of one.
 *
 * All return their rows in a defined order (SQLite's RETURNING follows its scan order).
 * Parameters: $1 now, $2 lease until, $3 owner, then per statement.
 */

/** A new integration gets its baseline record with the lease already taken, as in SQLite. */
const BASELINE_FROM = (source: string) => `
  INSERT INTO integration_health (integration_id, tenant_id, state, since, consecutive_failures, failing_since,
    room_cursor, next_run_at, lease_owner, lease_expires_at)
  SELECT id, tenant_id,
    CASE status WHEN 'failed' THEN 'failing' ELSE 'healthy' END,
    COALESCE(verified_at, updated_at), 0,
    CASE status WHEN 'failed' THEN updated_at END,
    0, $1::timestamptz, $3::text, $2::timestamptz
  FROM ${source}`;

const LEASE_FREE = (table: string) =>
  `(${table}.lease_expires_at IS NULL OR ${table}.lease_expires_at <= $1::timestamptz)`;

const TAKE_LEASE = `
  ON CONFLICT (integration_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner,
    lease_expires_at = EXCLUDED.lease_expires_at
  WHERE ${LEASE_FREE('integration_health')}`;

/**
 * $4 monitored statuses, $5 limit. Never checked ones first, then oldest due. One row per locked
 * candidate: the health record claimed, or NULLs where the candidate was lost — taken by a claimer
 * that committed after this statement's snapshot was taken but before it locked the integration
 * (unchanged, so the lock does not re-check). The caller then looks again with a fresh snapshot.
 */
export const CLAIM_DUE_HEALTH = `
  WITH candidates AS (
    SELECT i.id, i.tenant_id, i.status, i.verified_at, i.updated_at,
      row_number() OVER (
        ORDER BY h.integration_id IS NOT NULL, h.next_run_at, i.created_at, i.id) AS rank
    FROM integrations i LEFT JOIN integration_health h ON h.integration_id = i.id
    WHERE i.status = ANY ($4::text[])
      AND (h.integration_id IS NULL OR (${LEASE_FREE('h')} AND h.next_run_at <= $1::timestamptz))
  ),
  locked AS (
    SELECT c.* FROM candidates c JOIN integrations i ON i.id = c.id AND i.status = ANY ($4::text[])
    ORDER BY c.rank
    LIMIT $5
    FOR NO KEY UPDATE OF i SKIP LOCKED
  ),
  claimed AS (
    ${BASELINE_FROM('locked')}
    ${TAKE_LEASE} AND integration_health.next_run_at <= $1::timestamptz
    RETURNING *
  )
  SELECT claimed.*, locked.id AS candidate_id FROM locked LEFT JOIN claimed ON claimed.integration_id = locked.id
  ORDER BY claimed.next_run_at, locked.rank`;

/** $4 monitored statuses, $5 tenant. Whatever the due time ("check now"). */
export const CLAIM_ONE_HEALTH = `
  ${BASELINE_FROM(`(
    SELECT i.* FROM integrations i LEFT JOIN integration_health h ON h.integration_id = i.id
    WHERE i.tenant_id = $5 AND i.status <> 'disconnected' AND i.status = ANY ($4::text[])
      AND (h.integration_id IS NULL OR ${LEASE_FREE('h')})
  ) AS active`)}
  ${TAKE_LEASE}
  RETURNING *`;

/** $4 limit. Due pending deliveries, oldest first; a claim counts as an attempt. */
export const CLAIM_DELIVERIES = `
  WITH due AS (
    SELECT alert_id, conversation_id FROM alert_deliveries
    WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz AND ${LEASE_FREE('alert_deliveries')}
    ORDER BY next_attempt_at, created_at, seq
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ),
  claimed AS (
    UPDATE alert_deliveries d SET lease_owner = $3::text, lease_expires_at = $2::timestamptz,
      attempts = d.attempts + 1, updated_at = $1::timestamptz
    FROM due WHERE d.alert_id = due.alert_id AND d.conversation_id = due.conversation_id
    RETURNING d.*
  )
  SELECT * FROM claimed ORDER BY next_attempt_at, created_at, seq`;

/** $4 limit, $5 tenants to skip. The next delivery of each conversation, oldest due first. */
export const CLAIM_NEXT_PER_CONVERSATION = `
  WITH queue AS (
    SELECT alert_id, conversation_id, tenant_id, next_attempt_at,
      row_number() OVER (PARTITION BY conversation_id ORDER BY seq) AS position,
      count(*) FILTER (WHERE lease_expires_at > $1::timestamptz) OVER (PARTITION BY conversation_id) AS leased
    FROM alert_deliveries WHERE status = 'pending'
  ),
  heads AS (
    SELECT alert_id, conversation_id FROM queue
    WHERE position = 1 AND leased = 0 AND next_attempt_at <= $1::timestamptz
      AND NOT (tenant_id = ANY ($5::text[]))
  ),
  due AS (
    SELECT d.alert_id, d.conversation_id FROM alert_deliveries d
    JOIN heads h ON h.alert_id = d.alert_id AND h.conversation_id = d.conversation_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= $1::timestamptz AND ${LEASE_FREE('d')}
    ORDER BY d.next_attempt_at, d.created_at, d.seq
    LIMIT $4
    FOR UPDATE OF d SKIP LOCKED
  ),
  claimed AS (
    UPDATE alert_deliveries d SET lease_owner = $3::text, lease_expires_at = $2::timestamptz,
      attempts = d.attempts + 1, updated_at = $1::timestamptz
    FROM due WHERE d.alert_id = due.alert_id AND d.conversation_id = due.conversation_id
    RETURNING d.*
  )
  SELECT * FROM claimed ORDER BY next_attempt_at, created_at, seq`;
