/**
 * The bot's conversation subscriptions: one row per Teams conversation the bot is installed in
 * (a user's personal chat or a team's channel). The stored conversation reference is what the
 * notifier needs to post proactively; `removedAt` keeps the history once the bot is removed.
 */
import type { IsoInstant, JsonObject } from './types';

export const CONVERSATION_SCOPES = ['personal', 'team'] as const;
export type ConversationScope = (typeof CONVERSATION_SCOPES)[number];

export const CHANNEL_ALERT_STATES = ['on', 'off'] as const;
export type ChannelAlertState = (typeof CHANNEL_ALERT_STATES)[number];

/** A recognised admin's choice for a team conversation: its alerts on (`alerts on`) or off, who chose, when. */
export interface ChannelAlertChoice {
  state: ChannelAlertState;
  /** Entra object id of the admin who chose. */
  chosenBy: string;
  chosenAt: IsoInstant;
}

export interface ConversationSubscription {
  /** Teams conversation id (`a:…` personal, `19:…@thread.tacv2` team channel). */
  conversationId: string;
  /** Entra tenant id the conversation belongs to; alerts of this tenant only go here. */
  tenantId: string;
  scope: ConversationScope;
  /** botbuilder ConversationReference as JSON (serviceUrl, conversation, bot, channelId, …). */
  reference: JsonObject;
  /** Entra object id of the user who installed the bot (or the team member who added it). */
  installedBy: string;
  /** Alerts to this conversation are suppressed until then (bot command `mute 24h`). */
  mutedUntil?: IsoInstant;
  /**
   * Team conversations: alerts go there only while an admin's choice says `on`. Absent (never
   * chosen, or reinstalled since): off.
   */
  channelAlerts?: ChannelAlertChoice;
  /** When `check` (or "Check again") last ran the checks from this conversation (its rate limit). */
  lastCheckAt?: IsoInstant;
  createdAt: IsoInstant;
  updatedAt: IsoInstant;
  /** Set when the bot was removed (uninstall, or Teams answered 403 BotNotInConversationRoster). */
  removedAt?: IsoInstant;
}
