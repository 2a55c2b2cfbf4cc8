/** What both adapters' conversation statements share: SQL that SQLite and PostgreSQL read alike, and the check slot's arithmetic. */
import { positiveInt } from './arguments';
import type { CheckSlot } from './conversation-port';

/** SET clauses of the reinstall upsert: a team's alert choice survives a refresh, not a removal. */
export const KEEP_CHOICE_UNLESS_REMOVED = [
  'channel_alerts',
  'channel_alerts_chosen_by',
  'channel_alerts_chosen_at',
]
  .map(
    (column) =>
      `${column} = CASE WHEN conversation_subscriptions.removed_at IS NULL THEN conversation_subscriptions.${column} END`,
  )
  .join(', ');

/** A check that ran at or before this instant no longer holds the conversation's slot. */
export function checkWindowStart(now: Date, windowMs: number): string {
  return new Date(now.getTime() - positiveInt(windowMs, 'windowMs')).toISOString();
}

/** The refusal, from the stored last_check_at (none: the conversation has no active subscription). */
export function refusedCheckSlot(lastCheckAt: unknown, windowMs: number): CheckSlot {
  return typeof lastCheckAt === 'string'
    ? { taken: false, nextCheckAt: new Date(Date.parse(lastCheckAt) + windowMs).toISOString() }
    : { taken: false };
}
