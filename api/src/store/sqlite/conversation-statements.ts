/** The conversation_subscriptions table's SQL (synchronous, better-sqlite3). */
import type Database from 'better-sqlite3';
import { StoreConflictError } from '../errors';
import type {
  CheckSlot,
  ConversationStoreOperations,
  ConversationSubscriptionInput,
} from '../conversation-port';
import type { ChannelAlertChoice, ConversationSubscription } from '../conversation-types';
import { toSubscription } from '../conversation-rows';
import type { IsoInstant } from '../types';
import { instant } from '../arguments';
import type { Sync } from './statements';
import { KEEP_CHOICE_UNLESS_REMOVED, checkWindowStart, refusedCheckSlot } from '../conversation-sql';

type Params = Record<string, string | number | null>;

export class SqliteConversationStatements implements Sync<ConversationStoreOperations> {
  private readonly upsert;
  private readonly byId;
  private readonly listActive;
  private readonly remove;
  private readonly setMute;
  private readonly setAlerts;
  private readonly takeSlot;
  private readonly lastCheckOf;

  constructor(
    db: Database.Database,
    private readonly clock: () => Date,
  ) {
    // The WHERE on the conflict branch keeps a conversation with its tenant: no row comes back when
    // another tenant claims the id, and the caller turns that into a conflict. A reinstall after a
    // removal forgets the alert choice (SET reads the row as it was, removed_at included).
    this.upsert = db.prepare<Params, unknown>(`
      INSERT INTO conversation_subscriptions (conversation_id, tenant_id, scope, reference, installed_by,
        created_at, updated_at)
      VALUES (@conversationId, @tenantId, @scope, @reference, @installedBy, @now, @now)
      ON CONFLICT (conversation_id) DO UPDATE SET scope = excluded.scope, reference = excluded.reference,
        installed_by = excluded.installed_by, updated_at = excluded.updated_at, removed_at = NULL,
        ${KEEP_CHOICE_UNLESS_REMOVED}
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
    this.setAlerts = db.prepare<Params>(`
      UPDATE conversation_subscriptions SET channel_alerts = @state, channel_alerts_chosen_by = @chosenBy,
        channel_alerts_chosen_at = @chosenAt, updated_at = @now
      WHERE tenant_id = @tenantId AND conversation_id = @conversationId AND removed_at IS NULL`);
    // One statement decides, so two instances answering the same conversation cannot both run.
    this.takeSlot = db.prepare<Params>(`
      UPDATE conversation_subscriptions SET last_check_at = @now
      WHERE tenant_id = @tenantId AND conversation_id = @conversationId AND removed_at IS NULL
        AND (last_check_at IS NULL OR last_check_at <= @windowStart)`);
    this.lastCheckOf = db
      .prepare<[string, string], string | null>(
        `SELECT last_check_at FROM conversation_subscriptions
         WHERE tenant_id = ? AND conversation_id = ? AND removed_at IS NULL`,
      )
      .pluck();
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

  setChannelAlerts(tenantId: string, conversationId: string, choice: ChannelAlertChoice): boolean {
    return (
      this.setAlerts.run({
        tenantId,
        conversationId,
        state: choice.state,
        chosenBy: choice.chosenBy,
        chosenAt: instant(choice.chosenAt, 'chosenAt'),
        now: this.clock().toISOString(),
      }).changes > 0
    );
  }

  takeCheckSlot(tenantId: string, conversationId: string, now: Date, windowMs: number): CheckSlot {
    const windowStart = checkWindowStart(now, windowMs);
    const taken = this.takeSlot.run({ tenantId, conversationId, now: now.toISOString(), windowStart });
    if (taken.changes > 0) return { taken: true };
    return refusedCheckSlot(this.lastCheckOf.get(tenantId, conversationId), windowMs);
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
