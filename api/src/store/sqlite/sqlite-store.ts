/**
 * The SQLite adapter of IntegrationStore (better-sqlite3): one connection per process, WAL so
 * readers in other processes never block on the writer, migrations applied at open.
 */
import Database from 'better-sqlite3';
import type {
  AuditInput,
  ConsentStateInput,
  IntegrationInput,
  IntegrationStore,
  ListIntegrationsOptions,
  ListOptions,
  SaveIntegrationOptions,
  StoreOperations,
  TenantInput,
  TraceInput,
} from '../port';
import type { AuditEntry, ConsentState, Integration, Tenant, VerificationTrace } from '../types';
import { migrate } from './migrations';
import { SqliteStatements, type SyncOperations } from './statements';
import { TransactionGate } from './transaction-gate';
import { GuardedHealthOperations } from './guarded-health-operations';
import { SqliteHealthStatements } from './health-statements';
import { SqliteConversationStatements } from './conversation-statements';
import type { CheckSlot, ConversationSubscriptionInput } from '../conversation-port';
import type { ChannelAlertChoice, ConversationSubscription } from '../conversation-types';
import type { AdminSighting, AdminSightingInput } from '../admin-port';
import { SqliteAdminSightingStatements } from './admin-statements';
import { SqliteSealingNonceStatements } from './sealing-nonce-statements';
import type { SealingNonceBinding, SealingNonceInput } from '../sealing-nonce-port';
import type { IsoInstant } from '../types';
import type { PruneBatch } from '../retention-port';
import { SqliteRetentionStatements } from './retention-statements';

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' (tests). */
  file: string;
  /** Stamps createdAt / updatedAt / audit times; injectable for tests. */
  clock?: () => Date;
  /** How long to wait for another process's write lock. */
  busyTimeoutMs?: number;
}

/** Runs the synchronous statements after `guard` lets the caller in. */
class GuardedOperations extends GuardedHealthOperations implements StoreOperations {
  constructor(
    private readonly sql: SyncOperations,
    health: SqliteHealthStatements,
    private readonly conversations: SqliteConversationStatements,
    private readonly admins: SqliteAdminSightingStatements,
    private readonly retention: SqliteRetentionStatements,
    private readonly nonces: SqliteSealingNonceStatements,
    guard: () => Promise<void>,
  ) {
    super(health, guard);
  }

  async recordAdminSighting(input: AdminSightingInput): Promise<boolean> {
    await this.guard();
    return this.admins.recordAdminSighting(input);
  }
  async forgetAdminSighting(tenantId: string, userOid: string): Promise<boolean> {
    await this.guard();
    return this.admins.forgetAdminSighting(tenantId, userOid);
  }
  async getAdminSighting(tenantId: string, userOid: string): Promise<AdminSighting | undefined> {
    await this.guard();
    return this.admins.getAdminSighting(tenantId, userOid);
  }

  async pruneTraces(batch: PruneBatch): Promise<number> {
    await this.guard();
    return this.retention.pruneTraces(batch);
  }
  async pruneAudit(batch: PruneBatch): Promise<number> {
    await this.guard();
    return this.retention.pruneAudit(batch);
  }
  async pruneDeliveredAlerts(batch: PruneBatch): Promise<number> {
    await this.guard();
    return this.retention.pruneDeliveredAlerts(batch);
  }
  async createSealingNonce(input: SealingNonceInput): Promise<void> {
    await this.guard();
    this.nonces.createSealingNonce(input);
  }
  async consumeSealingNonce(binding: SealingNonceBinding, now: Date): Promise<boolean> {
    await this.guard();
    return this.nonces.consumeSealingNonce(binding, now);
  }
  async purgeExpiredSealingNonces(now: Date): Promise<number> {
    await this.guard();
    return this.nonces.purgeExpiredSealingNonces(now);
  }

  async saveConversationSubscription(
    input: ConversationSubscriptionInput,
  ): Promise<ConversationSubscription> {
    await this.guard();
    return this.conversations.saveConversationSubscription(input);
  }
  async getConversationSubscription(
    tenantId: string,
    conversationId: string,
  ): Promise<ConversationSubscription | undefined> {
    await this.guard();
    return this.conversations.getConversationSubscription(tenantId, conversationId);
  }
  async listConversationSubscriptions(tenantId: string): Promise<ConversationSubscription[]> {
    await this.guard();
    return this.conversations.listConversationSubscriptions(tenantId);
  }
  async removeConversationSubscription(
    tenantId: string,
    conversationId: string,
    now: Date,
  ): Promise<boolean> {
    await this.guard();
    return this.conversations.removeConversationSubscription(tenantId, conversationId, now);
  }
  async setConversationMute(
    tenantId: string,
    conversationId: string,
    mutedUntil: IsoInstant | undefined,
  ): Promise<boolean> {
    await this.guard();
    return this.conversations.setConversationMute(tenantId, conversationId, mutedUntil);
  }
  async setChannelAlerts(
    tenantId: string,
    conversationId: string,
    choice: ChannelAlertChoice,
  ): Promise<boolean> {
    await this.guard();
    return this.conversations.setChannelAlerts(tenantId, conversationId, choice);
  }
  async takeCheckSlot(
    tenantId: string,
    conversationId: string,
    now: Date,
    windowMs: number,
  ): Promise<CheckSlot> {
    await this.guard();
    return this.conversations.takeCheckSlot(tenantId, conversationId, now, windowMs);
  }

  async upsertTenant(tenant: TenantInput): Promise<Tenant> {
    await this.guard();
    return this.sql.upsertTenant(tenant);
  }
  async getIntegration(tenantId: string): Promise<Integration | undefined> {
    await this.guard();
    return this.sql.getIntegration(tenantId);
  }
  async saveIntegration(
    integration: IntegrationInput,
    options: SaveIntegrationOptions,
  ): Promise<Integration> {
    await this.guard();
    return this.sql.saveIntegration(integration, options);
  }
  async listIntegrations(options?: ListIntegrationsOptions): Promise<Integration[]> {
    await this.guard();
    return this.sql.listIntegrations(options);
  }
  async addTrace(trace: TraceInput): Promise<VerificationTrace> {
    await this.guard();
    return this.sql.addTrace(trace);
  }
  async latestTrace(tenantId: string): Promise<VerificationTrace | undefined> {
    await this.guard();
    return this.sql.latestTrace(tenantId);
  }
  async listTraces(tenantId: string, options: ListOptions): Promise<VerificationTrace[]> {
    await this.guard();
    return this.sql.listTraces(tenantId, options);
  }
  async createConsentState(consent: ConsentStateInput): Promise<ConsentState> {
    await this.guard();
    return this.sql.createConsentState(consent);
  }
  async consumeConsentState(state: string, now: Date): Promise<ConsentState | undefined> {
    await this.guard();
    return this.sql.consumeConsentState(state, now);
  }
  async findConsentState(state: string, now: Date): Promise<ConsentState | undefined> {
    await this.guard();
    return this.sql.findConsentState(state, now);
  }
  async purgeExpiredConsentStates(now: Date): Promise<number> {
    await this.guard();
    return this.sql.purgeExpiredConsentStates(now);
  }
  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    await this.guard();
    return this.sql.appendAudit(entry);
  }
  async listAudit(tenantId: string, options: ListOptions): Promise<AuditEntry[]> {
    await this.guard();
    return this.sql.listAudit(tenantId, options);
  }
}

class SqliteIntegrationStore extends GuardedOperations implements IntegrationStore {
  constructor(
    private readonly db: Database.Database,
    private readonly statements: SqliteStatements,
    private readonly healthStatements: SqliteHealthStatements,
    private readonly conversationStatements: SqliteConversationStatements,
    private readonly adminStatements: SqliteAdminSightingStatements,
    private readonly retentionStatements: SqliteRetentionStatements,
    private readonly nonceStatements: SqliteSealingNonceStatements,
    private readonly gate: TransactionGate,
  ) {
    super(
      statements,
      healthStatements,
      conversationStatements,
      adminStatements,
      retentionStatements,
      nonceStatements,
      () => gate.whenClosed(),
    );
  }

  transaction<T>(fn: (tx: StoreOperations) => Promise<T>): Promise<T> {
    return this.gate.run(
      {
        // IMMEDIATE takes the write lock now rather than failing with SQLITE_BUSY at the first write.
        begin: () => this.db.exec('BEGIN IMMEDIATE'),
        commit: () => this.db.exec('COMMIT'),
        rollback: () => {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
        },
      },
      (token) =>
        fn(
          new GuardedOperations(
            this.statements,
            this.healthStatements,
            this.conversationStatements,
            this.adminStatements,
            this.retentionStatements,
            this.nonceStatements,
            async () => this.gate.assertOpen(token),
          ),
        ),
    );
  }

  async close(): Promise<void> {
    await this.gate.whenClosed();
    if (this.db.open) this.db.close();
  }
}

export function openSqliteStore(options: SqliteStoreOptions): IntegrationStore {
  const clock = options.clock ?? (() => new Date());
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    migrate(db, clock);
    return new SqliteIntegrationStore(
      db,
      new SqliteStatements(db, clock),
      new SqliteHealthStatements(db, clock),
      new SqliteConversationStatements(db, clock),
      new SqliteAdminSightingStatements(db),
      new SqliteRetentionStatements(db),
      new SqliteSealingNonceStatements(db, clock),
      new TransactionGate(),
    );
  } catch (error) {
    db.close();
    throw error;
  }
}
