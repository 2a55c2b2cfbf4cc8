/**
 * IntegrationStore: the persistence port the use cases, the HTTP layer and the health scheduler
 * depend on. Every method is async so a networked adapter (PostgreSQL) can implement it as is.
 *
 * Tenant-owned data is always read and written with the tenant id as a required argument, and
 * the adapter puts it in every WHERE clause: a caller holding tenant B's id can never see or change
 * tenant A's rows. The few cross-tenant operations say so (scheduler listing, consent callback).
 */
import type {
  AuditEntry,
  ConsentState,
  Integration,
  IntegrationStatus,
  IsoInstant,
  ModernProtocol,
  Tenant,
  VerificationTrace,
} from './types';
import type { HealthStoreOperations } from './health-port';
import type { ConversationStoreOperations } from './conversation-port';
import type { SealingNonceStoreOperations } from './sealing-nonce-port';
import type { RetentionStoreOperations } from './retention-port';
import type { AdminSightingStoreOperations } from './admin-port';

export interface TenantInput {
  id: string;
  /** Omitted: keep the stored name. */
  displayName?: string;
}

/** The whole integration record to write; the store stamps createdAt, updatedAt and version. */
export type IntegrationInput = Omit<Integration, 'createdAt' | 'updatedAt' | 'version'>;

export interface SaveIntegrationOptions {
  /** The version the caller read; 0 to create. A mismatch throws StoreConflictError. */
  expectedVersion: number;
}

export interface ListIntegrationsOptions {
  /** Only integrations in this status (or any of these statuses). */
  status?: IntegrationStatus | readonly IntegrationStatus[];
}

export type TraceInput = Omit<VerificationTrace, 'id'>;

export interface ConsentStateInput {
  /** The clear random value sent to Entra; the store keeps only its hash. */
  state: string;
  tenantId: string;
  protocol: ModernProtocol;
  userId: string;
  upn: string;
  expiresAt: IsoInstant;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'at'>;

export interface ListOptions {
  /** Newest first, at most this many (1–1000). */
  limit: number;
}

/** Tenants, integrations, traces, consent states, audit. */
export interface CoreStoreOperations {
  /** Creates the tenant or refreshes its display name. */
  upsertTenant(tenant: TenantInput): Promise<Tenant>;

  /** The tenant's one active (not disconnected) integration. */
  getIntegration(tenantId: string): Promise<Integration | undefined>;
  /**
   * Writes the whole record and returns it with the next version. `expectedVersion: 0` creates it
   * (StoreConflictError if the id exists or the tenant already has an active integration;
   * StoreNotFoundError if the tenant does not exist). Otherwise the row with this id, tenant and
   * version is replaced (StoreNotFoundError if no such row for the tenant, StoreConflictError if
   * its version moved on). A disconnected integration stays as history; reconnecting creates a
   * new one.
   */
  saveIntegration(integration: IntegrationInput, options: SaveIntegrationOptions): Promise<Integration>;
  /** Cross-tenant, for the health scheduler. Oldest first. */
  listIntegrations(options?: ListIntegrationsOptions): Promise<Integration[]>;

  /** StoreNotFoundError unless the integration belongs to `trace.tenantId`. */
  addTrace(trace: TraceInput): Promise<VerificationTrace>;
  latestTrace(tenantId: string): Promise<VerificationTrace | undefined>;
  /** Newest `startedAt` first. */
  listTraces(tenantId: string, options: ListOptions): Promise<VerificationTrace[]>;

  /** StoreConflictError if the same state value was already issued. */
  createConsentState(consent: ConsentStateInput): Promise<ConsentState>;
  /**
   * Atomically marks the state used and returns it; undefined when the state is unknown, already
   * used or expired at `now`. Not tenant-scoped: the state itself names the tenant.
   */
  consumeConsentState(state: string, now: Date): Promise<ConsentState | undefined>;
  /**
   * The state while it can still be consumed (issued, unused, not expired at `now`), without using
   * it: the consent start page rebuilds Entra's URL from it. Not tenant-scoped, like consume.
   */
  findConsentState(state: string, now: Date): Promise<ConsentState | undefined>;
  /** Deletes states that expired at or before `now`; returns how many. */
  purgeExpiredConsentStates(now: Date): Promise<number>;

  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(tenantId: string, options: ListOptions): Promise<AuditEntry[]>;
}

export interface StoreOperations
  extends
    CoreStoreOperations,
    HealthStoreOperations,
    ConversationStoreOperations,
    AdminSightingStoreOperations,
    RetentionStoreOperations,
    SealingNonceStoreOperations {}

export interface IntegrationStore extends StoreOperations {
  /**
   * Runs `fn` in one database transaction: everything written through `tx` commits together, or
   * nothing does if `fn` throws. Use `tx`, not the store, inside `fn`; keep `fn` to store work
   * (no network calls), since other callers wait for it.
   */
  transaction<T>(fn: (tx: StoreOperations) => Promise<T>): Promise<T>;
  /** Waits for an open transaction, then releases the database. */
  close(): Promise<void>;
}
