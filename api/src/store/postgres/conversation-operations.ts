/** The bot's conversation subscriptions on PostgreSQL, as sqlite/conversation-statements.ts. */
import { instant } from '../arguments';
import type { ConversationStoreOperations } from '../conversation-port';
import { toSubscription } from '../conversation-rows';
import { StoreConflictError } from '../errors';
import type { Runner } from './runner';

export function conversationOperations(runner: Runner, clock: () => Date): ConversationStoreOperations {
  const stamp = () => clock().toISOString();

  return {
    // The WHERE on the conflict branch keeps a conversation with its tenant: no row comes back when
    // another tenant claims the id, and that becomes a conflict.
    saveConversationSubscription: (input) =>
      runner.run(async (db) => {
        const { rows } = await db.query(
          `INSERT INTO conversation_subscriptions (conversation_id, tenant_id, scope, reference, installed_by,
             created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           ON CONFLICT (conversation_id) DO UPDATE SET scope = EXCLUDED.scope, reference = EXCLUDED.reference,
             installed_by = EXCLUDED.installed_by, updated_at = EXCLUDED.updated_at, removed_at = NULL
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
  };
}
