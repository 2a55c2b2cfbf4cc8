/**
 * Tenants, integrations, traces, consent states and audit on PostgreSQL: the statements of
 * sqlite/statements.ts, with the same arguments checks, row mappers and error conversion.
 */
import { randomUUID } from 'node:crypto';
import { expectedVersionOf, instant, listLimit, optionalInstant } from '../arguments';
import { hashConsentState } from '../consent-state-hash';
import { StoreConflictError, StoreNotFoundError } from '../errors';
import type { CoreStoreOperations, IntegrationInput } from '../port';
import { toAuditEntry, toConsentState, toIntegration, toTenant, toTrace } from '../rows';
import { FOREIGN_KEY_VIOLATION, hasSqlState, UNIQUE_VIOLATION } from './driver-errors';
import type { Param, Runner } from './runner';

const INTEGRATION_FIELDS = [
  'method',
  'status',
  'ews_url',
  'autodiscover_address',
  'service_account',
  'secret_id',
  'verified_mailbox',
  'verified_at',
  'consented_by',
  'consented_at',
  'protocol',
  'access_scope',
  'service_principal_id',
  'verification_mailbox',
  'verification_mailbox_chosen_by',
  'verification_mailbox_chosen_at',
  'last_error',
] as const;

/** $3… in INTEGRATION_FIELDS order; $1 id, $2 tenant. */
function integrationFields(integration: IntegrationInput): Param[] {
  return [
    integration.method,
    integration.status,
    integration.ewsUrl ?? null,
    integration.autodiscoverAddress ?? null,
    integration.serviceAccount ?? null,
    integration.secretId ?? null,
    integration.verifiedMailbox ?? null,
    optionalInstant(integration.verifiedAt, 'verifiedAt'),
    integration.consentedBy ?? null,
    optionalInstant(integration.consentedAt, 'consentedAt'),
    integration.protocol ?? null,
    integration.accessScope ?? null,
    integration.servicePrincipalId ?? null,
    integration.verificationMailbox ?? null,
    integration.verificationMailboxChosenBy ?? null,
    optionalInstant(integration.verificationMailboxChosenAt, 'verificationMailboxChosenAt'),
    integration.lastError === undefined ? null : JSON.stringify(integration.lastError),
  ];
}

const FIELD_PARAMS = INTEGRATION_FIELDS.map((_, i) => `$${i + 3}`);
const NOW_PARAM = `$${INTEGRATION_FIELDS.length + 3}`;
const VERSION_PARAM = `$${INTEGRATION_FIELDS.length + 4}`;

const INSERT_INTEGRATION = `
  INSERT INTO integrations (id, tenant_id, ${INTEGRATION_FIELDS.join(', ')}, created_at, updated_at, version)
  VALUES ($1, $2, ${FIELD_PARAMS.join(', ')}, ${NOW_PARAM}, ${NOW_PARAM}, 1)
  RETURNING *`;
const UPDATE_INTEGRATION = `
  UPDATE integrations SET ${INTEGRATION_FIELDS.map((f, i) => `${f} = ${FIELD_PARAMS[i]}`).join(', ')},
    updated_at = ${NOW_PARAM}, version = version + 1
  WHERE id = $1 AND tenant_id = $2 AND version = ${VERSION_PARAM}
  RETURNING *`;

export function coreOperations(runner: Runner, clock: () => Date): CoreStoreOperations {
  const stamp = () => clock().toISOString();

  return {
    upsertTenant: (tenant) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `INSERT INTO tenants (id, display_name, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, tenants.display_name)
           RETURNING *`,
          [tenant.id, tenant.displayName ?? null, stamp()],
        );
        return toTenant(rows[0]);
      }),

    getIntegration: (tenantId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT * FROM integrations WHERE tenant_id = $1 AND status <> 'disconnected'`,
          [tenantId],
        );
        return rows[0] === undefined ? undefined : toIntegration(rows[0]);
      }),

    saveIntegration: async (integration, { expectedVersion }) => {
      expectedVersionOf(expectedVersion);
      const params = [integration.id, integration.tenantId, ...integrationFields(integration), stamp()];
      const where = `integration ${integration.id} of tenant ${integration.tenantId}`;
      return runner.run(async (db) => {
        try {
          if (expectedVersion === 0)
            return toIntegration((await db.query(INSERT_INTEGRATION, params)).rows[0]);
          const { rows } = await db.query(UPDATE_INTEGRATION, [...params, expectedVersion]);
          if (rows[0] !== undefined) return toIntegration(rows[0]);
        } catch (error) {
          if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) {
            throw new StoreNotFoundError(`Tenant ${integration.tenantId} does not exist.`, { cause: error });
          }
          if (hasSqlState(error, UNIQUE_VIOLATION)) {
            throw new StoreConflictError(
              `Cannot save ${where}: the id exists or the tenant already has an active integration.`,
              { cause: error },
            );
          }
          throw error;
        }
        const exists = await db.query('SELECT 1 FROM integrations WHERE id = $1 AND tenant_id = $2', [
          integration.id,
          integration.tenantId,
        ]);
        if (exists.rowCount === 0) throw new StoreNotFoundError(`No ${where}.`);
        throw new StoreConflictError(`${where} changed since version ${expectedVersion} was read.`);
      });
    },

    listIntegrations: (options = {}) => {
      const { status } = options;
      const statuses = status === undefined ? null : typeof status === 'string' ? [status] : [...status];
      return runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT * FROM integrations WHERE $1::text[] IS NULL OR status = ANY ($1::text[])
           ORDER BY created_at, id`,
          [statuses],
        );
        return rows.map(toIntegration);
      });
    },

    addTrace: async (trace) => {
      const params = [
        randomUUID(),
        trace.integrationId,
        trace.tenantId,
        trace.outcome,
        trace.mailbox,
        instant(trace.startedAt, 'startedAt'),
        instant(trace.finishedAt, 'finishedAt'),
        JSON.stringify(trace.steps),
      ];
      return runner.run(async (db) => {
        try {
          const { rows } = await db.query(
            `INSERT INTO verification_traces (id, integration_id, tenant_id, outcome, mailbox, started_at,
               finished_at, steps)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING *`,
            params,
          );
          return toTrace(rows[0]);
        } catch (error) {
          if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) {
            throw new StoreNotFoundError(
              `No integration ${trace.integrationId} of tenant ${trace.tenantId} to attach the trace to.`,
              { cause: error },
            );
          }
          throw error;
        }
      });
    },

    latestTrace: (tenantId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM verification_traces WHERE tenant_id = $1 ORDER BY started_at DESC, seq DESC LIMIT 1',
          [tenantId],
        );
        return rows[0] === undefined ? undefined : toTrace(rows[0]);
      }),

    listTraces: async (tenantId, options) => {
      const limit = listLimit(options);
      return runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM verification_traces WHERE tenant_id = $1 ORDER BY started_at DESC, seq DESC LIMIT $2',
          [tenantId, limit],
        );
        return rows.map(toTrace);
      });
    },

    createConsentState: async (consent) => {
      const params = [
        hashConsentState(consent.state),
        consent.tenantId,
        consent.userId,
        consent.upn,
        stamp(),
        instant(consent.expiresAt, 'expiresAt'),
        consent.protocol,
      ];
      return runner.run(async (db) => {
        try {
          const { rows } = await db.query(
            `INSERT INTO consent_states (state_hash, tenant_id, user_id, upn, created_at, expires_at, protocol)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING *`,
            params,
          );
          return toConsentState(rows[0]);
        } catch (error) {
          if (hasSqlState(error, UNIQUE_VIOLATION)) {
            throw new StoreConflictError('This consent state was already issued.', { cause: error });
          }
          throw error;
        }
      });
    },

    // One statement: the row lock makes a second callback with the same state re-check `used_at`
    // after the first commits, so exactly one wins.
    consumeConsentState: (state, now) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `UPDATE consent_states SET used_at = $2
           WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2
           RETURNING *`,
          [hashConsentState(state), now.toISOString()],
        );
        return rows[0] === undefined ? undefined : toConsentState(rows[0]);
      }),

    findConsentState: (state, now) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM consent_states WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2',
          [hashConsentState(state), now.toISOString()],
        );
        return rows[0] === undefined ? undefined : toConsentState(rows[0]);
      }),

    purgeExpiredConsentStates: (now) =>
      runner.run(
        async (db) =>
          (await db.query('DELETE FROM consent_states WHERE expires_at <= $1', [now.toISOString()])).rowCount,
      ),

    appendAudit: (entry) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `INSERT INTO audit_log (id, tenant_id, actor_oid, actor_upn, action, target, result, detail, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           RETURNING *`,
          [
            randomUUID(),
            entry.tenantId,
            entry.actorOid,
            entry.actorUpn,
            entry.action,
            entry.target ?? null,
            entry.result,
            entry.detail === undefined ? null : JSON.stringify(entry.detail),
            stamp(),
          ],
        );
        return toAuditEntry(rows[0]);
      }),

    listAudit: async (tenantId, options) => {
      const limit = listLimit(options);
      return runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY at DESC, seq DESC LIMIT $2',
          [tenantId, limit],
        );
        return rows.map(toAuditEntry);
      });
    },
  };
}
