/**
 * The store's SQL, prepared once per connection. Methods are synchronous (better-sqlite3); the
 * async port and the transaction gate wrap them in sqlite-store.ts.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { expectedVersionOf, instant, listLimit, optionalInstant } from '../arguments';
import { hashConsentState } from '../consent-state-hash';
import { StoreConflictError, StoreNotFoundError } from '../errors';
import type {
  AuditInput,
  ConsentStateInput,
  IntegrationInput,
  ListIntegrationsOptions,
  ListOptions,
  SaveIntegrationOptions,
  CoreStoreOperations,
  TenantInput,
  TraceInput,
} from '../port';
import type { AuditEntry, ConsentState, Integration, Tenant, VerificationTrace } from '../types';
import { toAuditEntry, toConsentState, toIntegration, toTenant, toTrace } from '../rows';

/** A port's operations, minus the promises. */
export type Sync<Ops> = {
  [K in keyof Ops]: Ops[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};
export type SyncOperations = Sync<CoreStoreOperations>;

type Params = Record<string, string | number | null>;

export function constraintViolated(error: unknown, ...codes: string[]): boolean {
  return error instanceof Database.SqliteError && codes.includes(error.code);
}

const INTEGRATION_COLUMNS = `method = @method, status = @status, ews_url = @ewsUrl,
  autodiscover_address = @autodiscoverAddress, service_account = @serviceAccount, secret_id = @secretId,
  verified_mailbox = @verifiedMailbox, verified_at = @verifiedAt, consented_by = @consentedBy,
  consented_at = @consentedAt, protocol = @protocol, access_scope = @accessScope,
  service_principal_id = @servicePrincipalId, verification_mailbox = @verificationMailbox,
  verification_mailbox_chosen_by = @verificationMailboxChosenBy,
  verification_mailbox_chosen_at = @verificationMailboxChosenAt, last_error = @lastError`;

export class SqliteStatements implements SyncOperations {
  private readonly upsertTenantStmt;
  private readonly activeIntegration;
  private readonly insertIntegration;
  private readonly updateIntegration;
  private readonly integrationExists;
  private readonly listIntegrationsStmt;
  private readonly insertTrace;
  private readonly latestTraceStmt;
  private readonly listTracesStmt;
  private readonly insertConsentState;
  private readonly consumeConsentStateStmt;
  private readonly findConsentStateStmt;
  private readonly purgeConsentStates;
  private readonly insertAudit;
  private readonly listAuditStmt;

  constructor(
    db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.upsertTenantStmt = db.prepare<Params, unknown>(`
      INSERT INTO tenants (id, display_name, created_at) VALUES (@id, @displayName, @now)
      ON CONFLICT (id) DO UPDATE SET display_name = COALESCE(excluded.display_name, tenants.display_name)
      RETURNING *`);
    this.activeIntegration = db.prepare<[string], unknown>(
      `SELECT * FROM integrations WHERE tenant_id = ? AND status <> 'disconnected'`,
    );
    this.insertIntegration = db.prepare<Params, unknown>(`
      INSERT INTO integrations (id, tenant_id, method, status, ews_url, autodiscover_address, service_account,
        secret_id, verified_mailbox, verified_at, consented_by, consented_at, protocol, access_scope,
        service_principal_id, verification_mailbox, verification_mailbox_chosen_by,
        verification_mailbox_chosen_at, last_error, created_at, updated_at, version)
      VALUES (@id, @tenantId, @method, @status, @ewsUrl, @autodiscoverAddress, @serviceAccount, @secretId,
        @verifiedMailbox, @verifiedAt, @consentedBy, @consentedAt, @protocol, @accessScope,
        @servicePrincipalId, @verificationMailbox, @verificationMailboxChosenBy,
        @verificationMailboxChosenAt, @lastError, @now, @now, 1)
      RETURNING *`);
    this.updateIntegration = db.prepare<Params, unknown>(`
      UPDATE integrations SET ${INTEGRATION_COLUMNS}, updated_at = @now, version = version + 1
      WHERE id = @id AND tenant_id = @tenantId AND version = @expectedVersion
      RETURNING *`);
    this.integrationExists = db
      .prepare<[string, string], number>('SELECT 1 FROM integrations WHERE id = ? AND tenant_id = ?')
      .pluck();
    this.listIntegrationsStmt = db.prepare<Params, unknown>(`
      SELECT * FROM integrations
      WHERE @statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses))
      ORDER BY created_at, id`);
    this.insertTrace = db.prepare<Params, unknown>(`
      INSERT INTO verification_traces (id, integration_id, tenant_id, outcome, mailbox, started_at, finished_at, steps)
      VALUES (@id, @integrationId, @tenantId, @outcome, @mailbox, @startedAt, @finishedAt, @steps)
      RETURNING *`);
    this.latestTraceStmt = db.prepare<[string], unknown>(`
      SELECT * FROM verification_traces WHERE tenant_id = ? ORDER BY started_at DESC, seq DESC LIMIT 1`);
    this.listTracesStmt = db.prepare<[string, number], unknown>(`
      SELECT * FROM verification_traces WHERE tenant_id = ? ORDER BY started_at DESC, seq DESC LIMIT ?`);
    this.insertConsentState = db.prepare<Params, unknown>(`
      INSERT INTO consent_states (state_hash, tenant_id, protocol, user_id, upn, created_at, expires_at)
      VALUES (@stateHash, @tenantId, @protocol, @userId, @upn, @now, @expiresAt)
      RETURNING *`);
    // One statement, so two callbacks racing with the same state cannot both succeed.
    this.consumeConsentStateStmt = db.prepare<Params, unknown>(`
      UPDATE consent_states SET used_at = @now
      WHERE state_hash = @stateHash AND used_at IS NULL AND expires_at > @now
      RETURNING *`);
    this.findConsentStateStmt = db.prepare<[string, string], unknown>(`
      SELECT * FROM consent_states WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?`);
    this.purgeConsentStates = db.prepare<[string]>('DELETE FROM consent_states WHERE expires_at <= ?');
    this.insertAudit = db.prepare<Params, unknown>(`
      INSERT INTO audit_log (id, tenant_id, actor_oid, actor_upn, action, target, result, detail, at)
      VALUES (@id, @tenantId, @actorOid, @actorUpn, @action, @target, @result, @detail, @at)
      RETURNING *`);
    this.listAuditStmt = db.prepare<[string, number], unknown>(`
      SELECT * FROM audit_log WHERE tenant_id = ? ORDER BY at DESC, seq DESC LIMIT ?`);
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  upsertTenant(tenant: TenantInput): Tenant {
    return toTenant(
      this.upsertTenantStmt.get({
        id: tenant.id,
        displayName: tenant.displayName ?? null,
        now: this.stamp(),
      }),
    );
  }

  getIntegration(tenantId: string): Integration | undefined {
    const row = this.activeIntegration.get(tenantId);
    return row === undefined ? undefined : toIntegration(row);
  }

  saveIntegration(integration: IntegrationInput, { expectedVersion }: SaveIntegrationOptions): Integration {
    expectedVersionOf(expectedVersion);
    const params: Params = {
      id: integration.id,
      tenantId: integration.tenantId,
      method: integration.method,
      status: integration.status,
      ewsUrl: integration.ewsUrl ?? null,
      autodiscoverAddress: integration.autodiscoverAddress ?? null,
      serviceAccount: integration.serviceAccount ?? null,
      secretId: integration.secretId ?? null,
      verifiedMailbox: integration.verifiedMailbox ?? null,
      verifiedAt: optionalInstant(integration.verifiedAt, 'verifiedAt'),
      consentedBy: integration.consentedBy ?? null,
      consentedAt: optionalInstant(integration.consentedAt, 'consentedAt'),
      protocol: integration.protocol ?? null,
      accessScope: integration.accessScope ?? null,
      servicePrincipalId: integration.servicePrincipalId ?? null,
      verificationMailbox: integration.verificationMailbox ?? null,
      verificationMailboxChosenBy: integration.verificationMailboxChosenBy ?? null,
      verificationMailboxChosenAt: optionalInstant(
        integration.verificationMailboxChosenAt,
        'verificationMailboxChosenAt',
      ),
      lastError: integration.lastError === undefined ? null : JSON.stringify(integration.lastError),
      now: this.stamp(),
    };
    const where = `integration ${integration.id} of tenant ${integration.tenantId}`;
    try {
      if (expectedVersion === 0) return toIntegration(this.insertIntegration.get(params));
      const row = this.updateIntegration.get({ ...params, expectedVersion });
      if (row !== undefined) return toIntegration(row);
    } catch (error) {
      if (constraintViolated(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) {
        throw new StoreNotFoundError(`Tenant ${integration.tenantId} does not exist.`, { cause: error });
      }
      if (constraintViolated(error, 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE')) {
        throw new StoreConflictError(
          `Cannot save ${where}: the id exists or the tenant already has an active integration.`,
          { cause: error },
        );
      }
      throw error;
    }
    if (this.integrationExists.get(integration.id, integration.tenantId) === undefined) {
      throw new StoreNotFoundError(`No ${where}.`);
    }
    throw new StoreConflictError(`${where} changed since version ${expectedVersion} was read.`);
  }

  listIntegrations(options: ListIntegrationsOptions = {}): Integration[] {
    const { status } = options;
    const statuses =
      status === undefined ? null : JSON.stringify(typeof status === 'string' ? [status] : status);
    return this.listIntegrationsStmt.all({ statuses }).map(toIntegration);
  }

  addTrace(trace: TraceInput): VerificationTrace {
    try {
      return toTrace(
        this.insertTrace.get({
          id: randomUUID(),
          integrationId: trace.integrationId,
          tenantId: trace.tenantId,
          outcome: trace.outcome,
          mailbox: trace.mailbox,
          startedAt: instant(trace.startedAt, 'startedAt'),
          finishedAt: instant(trace.finishedAt, 'finishedAt'),
          steps: JSON.stringify(trace.steps),
        }),
      );
    } catch (error) {
      if (constraintViolated(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) {
        throw new StoreNotFoundError(
          `No integration ${trace.integrationId} of tenant ${trace.tenantId} to attach the trace to.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  latestTrace(tenantId: string): VerificationTrace | undefined {
    const row = this.latestTraceStmt.get(tenantId);
    return row === undefined ? undefined : toTrace(row);
  }

  listTraces(tenantId: string, options: ListOptions): VerificationTrace[] {
    return this.listTracesStmt.all(tenantId, listLimit(options)).map(toTrace);
  }

  createConsentState(consent: ConsentStateInput): ConsentState {
    try {
      return toConsentState(
        this.insertConsentState.get({
          stateHash: hashConsentState(consent.state),
          tenantId: consent.tenantId,
          protocol: consent.protocol,
          userId: consent.userId,
          upn: consent.upn,
          expiresAt: instant(consent.expiresAt, 'expiresAt'),
          now: this.stamp(),
        }),
      );
    } catch (error) {
      if (constraintViolated(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
        throw new StoreConflictError('This consent state was already issued.', { cause: error });
      }
      throw error;
    }
  }

  consumeConsentState(state: string, now: Date): ConsentState | undefined {
    const row = this.consumeConsentStateStmt.get({
      stateHash: hashConsentState(state),
      now: now.toISOString(),
    });
    return row === undefined ? undefined : toConsentState(row);
  }

  findConsentState(state: string, now: Date): ConsentState | undefined {
    const row = this.findConsentStateStmt.get(hashConsentState(state), now.toISOString());
    return row === undefined ? undefined : toConsentState(row);
  }

  purgeExpiredConsentStates(now: Date): number {
    return this.purgeConsentStates.run(now.toISOString()).changes;
  }

  appendAudit(entry: AuditInput): AuditEntry {
    return toAuditEntry(
      this.insertAudit.get({
        id: randomUUID(),
        tenantId: entry.tenantId,
        actorOid: entry.actorOid,
        actorUpn: entry.actorUpn,
        action: entry.action,
        target: entry.target ?? null,
        result: entry.result,
        detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
        at: this.stamp(),
      }),
    );
  }

  listAudit(tenantId: string, options: ListOptions): AuditEntry[] {
    return this.listAuditStmt.all(tenantId, listLimit(options)).map(toAuditEntry);
  }
}
