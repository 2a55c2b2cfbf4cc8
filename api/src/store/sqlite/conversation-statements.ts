/** The conversation_subscriptions table's SQL (synchronous, better-sqlite3). */
import type Database from 'better-sqlite3';
import { StoreConflictError } from '../errors';
import type { ConversationStoreOperations, ConversationSubscriptionInput } from '../conversation-port';
import type { ConversationSubscription } from '../conversation-types';
import { toSubscription } from '../conversation-rows';
import type { IsoInstant } from '../types';
import { instant } from '../arguments';
import type { Sync } from './statements';

type Params = Record<string, string | number | null>;

export class SqliteConversationStatements implements Sync<ConversationStoreOperations> {
  private readonly upsert;
  private readonly byId;
  private readonly listActive;
  private readonly remove;
  private readonly setMute;

  constructor(
    db: Database.Database,
    private readonly clock: () => Date,
  ) {
    // The WHERE on the conflict branch keeps a conversation with its tenant: no row comes back when
    // another tenant claims the id, and the caller turns that into a conflict.
    this.upsert = db.prepare<Params, unknown>(`
      INSERT INTO conversation_subscriptions (conversation_id, tenant_id, scope, reference, installed_by,
        created_at, updated_at)
      VALUES (@conversationId, @tenantId, @scope, @reference, @installedBy, @now, @now)
      ON CONFLICT (conversation_id) DO UPDATE SET scope = excluded.scope, reference = excluded.reference,
        installed_by = excluded.installed_by, updated_at = excluded.updated_at, removed_at = NULL
      WHERE conversation_subscriptions.tenant_id = excluded.tenant_id
      RETURNING *`);
    this.byId = db.prepare<[string, string], unknown>(
      'SELECT * FROM conversation_subscriptions WHERE tenant_id = ? AND conversation_id = ?',
    );
    this.listActive = db.prepare<[string], unknown>(`
      SELECT * FROM conversation_subscriptions WHERE tenant_id = ? AND removed_at IS NULL
      ORDER BY created_at, conversation_id`);
    this.remove = db.prepare<Params>(`
      UPDATE conversation_subscriptions SET removed_at = @now, updated_at = @now
      WHERE tenant_id = @tenantId AND conversation_id = @conversationId AND removed_at IS NULL`);
    this.setMute = db.prepare<Params>(`
      UPDATE conversation_subscriptions SET muted_until = @mutedUntil, updated_at = @now
      WHERE tenant_id = @tenantId AND conversation_id = @conversationId AND removed_at IS NULL`);
  }

  saveConversationSubscription(input: ConversationSubscriptionInput): ConversationSubscription {
    const row = this.upsert.get({
      conversationId: input.conversationId,
      tenantId: input.tenantId,
      scope: input.scope,
      reference: JSON.stringify(input.reference),
      installedBy: input.installedBy,
      now: this.clock().toISOString(),
    });
    if (row === undefined) {
      throw new StoreConflictError(`Conversation ${input.conversationId} belongs to another tenant.`);
    }
    return toSubscription(row);
  }

  getConversationSubscription(
    tenantId: string,
    conversationId: string,
  ): ConversationSubscription | undefined {
    const row = this.byId.get(tenantId, conversationId);
    return row === undefined ? undefined : toSubscription(row);
  }

  listConversationSubscriptions(tenantId: string): ConversationSubscription[] {
    return this.listActive.all(tenantId).map(toSubscription);
  }

  removeConversationSubscription(tenantId: string, conversationId: string, now: Date): boolean {
    return this.remove.run({ tenantId, conversationId, now: now.toISOString() }).changes > 0;
  }

  setConversationMute(tenantId: string, conversationId: string, mutedUntil: IsoInstant | undefined): boolean {
    return (
      this.setMute.run({
        tenantId,
        conversationId,
        mutedUntil: mutedUntil === undefined ? null : instant(mutedUntil, 'mutedUntil'),
        now: this.clock().toISOString(),
      }).changes > 0
    );
  }
}
