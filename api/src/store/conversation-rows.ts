/** Row → record mappers of the bot's tables, conversation_subscriptions and admin_sightings (both adapters), parsed with zod. */
import { z } from 'zod';
import {
  CHANNEL_ALERT_STATES,
  CONVERSATION_SCOPES,
  type ConversationSubscription,
} from './conversation-types';
import { jsonObject, jsonText, mapper, optionalText } from './rows';
import type { AdminSighting } from './admin-port';

const subscriptionRow = z
  .object({
    conversation_id: z.string(),
    tenant_id: z.string(),
    scope: z.enum(CONVERSATION_SCOPES),
    reference: jsonText(jsonObject),
    installed_by: z.string(),
    muted_until: optionalText,
    channel_alerts: z.enum(CHANNEL_ALERT_STATES).nullable(),
    channel_alerts_chosen_by: z.string().nullable(),
    channel_alerts_chosen_at: z.string().nullable(),
    last_check_at: optionalText,
    created_at: z.string(),
    updated_at: z.string(),
    removed_at: optionalText,
  })
  // The choice is written whole or cleared whole: a row with part of it was not written by us.
  .refine(
    (r) =>
      new Set(
        [r.channel_alerts, r.channel_alerts_chosen_by, r.channel_alerts_chosen_at].map((v) => v === null),
      ).size === 1,
    { message: 'channel_alerts, channel_alerts_chosen_by and channel_alerts_chosen_at are set together' },
  )
  .transform((r): ConversationSubscription => ({
    conversationId: r.conversation_id,
    tenantId: r.tenant_id,
    scope: r.scope,
    reference: r.reference,
    installedBy: r.installed_by,
    ...(r.muted_until !== undefined ? { mutedUntil: r.muted_until } : {}),
    ...(r.channel_alerts !== null &&
    r.channel_alerts_chosen_by !== null &&
    r.channel_alerts_chosen_at !== null
      ? {
          channelAlerts: {
            state: r.channel_alerts,
            chosenBy: r.channel_alerts_chosen_by,
            chosenAt: r.channel_alerts_chosen_at,
          },
        }
      : {}),
    ...(r.last_check_at !== undefined ? { lastCheckAt: r.last_check_at } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.removed_at !== undefined ? { removedAt: r.removed_at } : {}),
  }));

export const toSubscription = mapper('conversation_subscriptions', subscriptionRow);

const adminSightingRow = z
  .object({ tenant_id: z.string(), user_oid: z.string(), upn: z.string(), last_seen_at: z.string() })
  .transform((r): AdminSighting => ({
    tenantId: r.tenant_id,
    userOid: r.user_oid,
    upn: r.upn,
    lastSeenAt: r.last_seen_at,
  }));

export const toAdminSighting = mapper('admin_sightings', adminSightingRow);
