/** Row → record mapper of conversation_subscriptions (both adapters), parsed with zod. */
import { z } from 'zod';
import { CONVERSATION_SCOPES, type ConversationSubscription } from './conversation-types';
import { jsonObject, jsonText, mapper, optionalText } from './rows';

const subscriptionRow = z
  .object({
    conversation_id: z.string(),
    tenant_id: z.string(),
    scope: z.enum(CONVERSATION_SCOPES),
    reference: jsonText(jsonObject),
    installed_by: z.string(),
    muted_until: optionalText,
    created_at: z.string(),
    updated_at: z.string(),
    removed_at: optionalText,
  })
  .transform((r): ConversationSubscription => ({
    conversationId: r.conversation_id,
    tenantId: r.tenant_id,
    scope: r.scope,
    reference: r.reference,
    installedBy: r.installed_by,
    ...(r.muted_until !== undefined ? { mutedUntil: r.muted_until } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.removed_at !== undefined ? { removedAt: r.removed_at } : {}),
  }));

export const toSubscription = mapper('conversation_subscriptions', subscriptionRow);
