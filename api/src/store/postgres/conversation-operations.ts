/** The bot's conversation subscriptions on PostgreSQL, as sqlite/conversation-statements.ts. */
import { instant } from '../arguments';
import type { ConversationStoreOperations } from '../conversation-port';
import { KEEP_CHOICE_UNLESS_REMOVED, checkWindowStart, refusedCheckSlot } from '../conversation-sql';
import { toSubscription } from '../conversation-rows';
import { StoreConflictError } from '../errors';
import type { Runner } from './runner';

export function conversationOperations(runner: Runner, clock: () => Date): ConversationStoreOperations {
  const stamp = () => clock().toISOString();

  return {
    // The WHERE on the conflict branch keeps a conversation with its tenant: no row comes back when
    // another tenant claims the id, and that becomes a conflict. A reinstall after a removal forgets
    // the alert choice (SET reads the row as it was, removed_at included).
    saveConversationSubscription: (input) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `INSERT INTO conversation_subscriptions (conversation_id, tenant_id, scope, reference, installed_by,
             created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           ON CONFLICT (conversation_id) DO UPDATE SET scope = EXCLUDED.scope, reference = EXCLUDED.reference,
             installed_by = EXCLUDED.installed_by, updated_at = EXCLUDED.updated_at, removed_at = NULL,
             ${KEEP_CHOICE_UNLESS_REMOVED}
           WHERE conversation_subscriptions.tenant_id = EXCLUDED.tenant_id
           RETURNING *`,
          [
            input.conversationId,
            input.tenantId,
            input.scope,
            JSON.stringify(input.reference),
            input.installedBy,
            stamp(),
          ],
        );
        if (rows[0] === undefined) {
          throw new StoreConflictError(`Conversation ${input.conversationId} belongs to another tenant.`);
        }
        return toSubscription(rows[0]);
      }),

    getConversationSubscription: (tenantId, conversationId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          'SELECT * FROM conversation_subscriptions WHERE tenant_id = $1 AND conversation_id = $2',
          [tenantId, conversationId],
        );
        return rows[0] === undefined ? undefined : toSubscription(rows[0]);
      }),

    listConversationSubscriptions: (tenantId) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `SELECT * FROM conversation_subscriptions WHERE tenant_id = $1 AND removed_at IS NULL
           ORDER BY created_at, conversation_id`,
          [tenantId],
        );
        return rows.map(toSubscription);
      }),

    removeConversationSubscription: (tenantId, conversationId, now) =>
      runner.run(async (db) => {
        const { rowCount } = await db.query(
          `UPDATE conversation_subscriptions SET removed_at = $3, updated_at = $3
           WHERE tenant_id = $1 AND conversation_id = $2 AND removed_at IS NULL`,
          [tenantId, conversationId, now.toISOString()],
        );
        return rowCount > 0;
      }),

    setConversationMute: async (tenantId, conversationId, mutedUntil) => {
      const until = mutedUntil === undefined ? null : instant(mutedUntil, 'mutedUntil');
      return runner.run(async (db) => {
        const { rowCount } = await db.query(
          `UPDATE conversation_subscriptions SET muted_until = $3, updated_at = $4
           WHERE tenant_id = $1 AND conversation_id = $2 AND removed_at IS NULL`,
          [tenantId, conversationId, until, stamp()],
        );
        return rowCount > 0;
      });
    },

    setChannelAlerts: async (tenantId, conversationId, choice) => {
      const chosenAt = instant(choice.chosenAt, 'chosenAt');
      return runner.run(async (db) => {
        const { rowCount } = await db.query(
          `UPDATE conversation_subscriptions SET channel_alerts = $3, channel_alerts_chosen_by = $4,
             channel_alerts_chosen_at = $5, updated_at = $6
           WHERE tenant_id = $1 AND conversation_id = $2 AND removed_at IS NULL`,
          [tenantId, conversationId, choice.state, choice.chosenBy, chosenAt, stamp()],
        );
        return rowCount > 0;
      });
    },

    // One statement decides, so two instances answering the same conversation cannot both run; the
    // read after a refusal only says when the next check may run.
    takeCheckSlot: async (tenantId, conversationId, now, windowMs) => {
      const windowStart = checkWindowStart(now, windowMs);
      return runner.run(async (db) => {
        const taken = await db.query(
          `UPDATE conversation_subscriptions SET last_check_at = $3
           WHERE tenant_id = $1 AND conversation_id = $2 AND removed_at IS NULL
             AND (last_check_at IS NULL OR last_check_at <= $4)`,
          [tenantId, conversationId, now.toISOString(), windowStart],
        );
        if (taken.rowCount > 0) return { taken: true };
        const { rows } = await db.query(
          `SELECT last_check_at FROM conversation_subscriptions
           WHERE tenant_id = $1 AND conversation_id = $2 AND removed_at IS NULL`,
          [tenantId, conversationId],
        );
        return refusedCheckSlot(
          (rows[0] as { last_check_at?: unknown } | undefined)?.last_check_at,
          windowMs,
        );
      });
    },
  };
}
