/**
 * The activities Teams posts to a bot, shaped as Teams sends them: install and uninstall
 * (installationUpdate + conversationUpdate), user messages and Adaptive Card actions.
 */
import type { SandboxContext } from '../context';
import type { SeedUser } from '../seed';
import { botMri, serviceUrl, userMri } from './identities';
import type { Conversation } from './state';

export type ChannelActivity = Record<string, unknown> & { id: string; type: string; serviceUrl: string };

function envelope(
  ctx: SandboxContext,
  conversation: Conversation,
  from: SeedUser,
  id: string,
  conversationId: string = conversation.id,
): ChannelActivity {
  const bot = ctx.seed.bot;
  const timestamp = new Date(ctx.now()).toISOString();
  const channelData: Record<string, unknown> = { tenant: { id: conversation.tenantId } };
  if (conversation.team) {
    channelData.team = {
      id: conversation.team.id,
      name: conversation.team.name,
      aadGroupId: conversation.team.aadGroupId,
    };
    channelData.channel = { id: conversation.team.id, name: 'General' };
  }
  return {
    id,
    type: '',
    timestamp,
    localTimestamp: timestamp,
    serviceUrl: serviceUrl(ctx),
    channelId: 'msteams',
    from: { id: userMri(bot.appId, from.id), name: from.displayName, aadObjectId: from.id },
    conversation: {
      id: conversationId,
      conversationType: conversation.type,
      tenantId: conversation.tenantId,
      ...(conversation.type === 'channel' ? { isGroup: true } : {}),
    },
    recipient: { id: botMri(bot.appId), name: bot.displayName },
    channelData,
    locale: 'en-US',
    entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
  };
}

const botAccount = (ctx: SandboxContext) => ({
  id: botMri(ctx.seed.bot.appId),
  name: ctx.seed.bot.displayName,
});

/** Teams announces an install with installationUpdate(add), then conversationUpdate(membersAdded: the bot). */
export function installActivities(
  ctx: SandboxContext,
  conversation: Conversation,
  ids: () => string,
): ChannelActivity[] {
  const from = conversation.installedBy;
  const eventType = conversation.type === 'channel' ? { eventType: 'teamMemberAdded' } : {};
  const installation = envelope(ctx, conversation, from, ids());
  const update = envelope(ctx, conversation, from, ids());
  return [
    { ...installation, type: 'installationUpdate', action: 'add' },
    {
      ...update,
      type: 'conversationUpdate',
      membersAdded: [botAccount(ctx)],
      channelData: { ...(update.channelData as object), ...eventType },
    },
  ];
}

/** Removal: installationUpdate(remove); in a team also conversationUpdate(membersRemoved: the bot). */
export function uninstallActivities(
  ctx: SandboxContext,
  conversation: Conversation,
  ids: () => string,
): ChannelActivity[] {
  const from = conversation.installedBy;
  const removal = envelope(ctx, conversation, from, ids());
  const activities: ChannelActivity[] = [{ ...removal, type: 'installationUpdate', action: 'remove' }];
  if (conversation.type === 'channel') {
    const update = envelope(ctx, conversation, from, ids());
    activities.push({
      ...update,
      type: 'conversationUpdate',
      membersRemoved: [botAccount(ctx)],
      channelData: { ...(update.channelData as object), eventType: 'teamMemberRemoved' },
    });
  }
  return activities;
}

/** A user's message; in a channel Teams only delivers it when the bot is @mentioned, so it carries the mention. */
export function messageActivity(
  ctx: SandboxContext,
  conversation: Conversation,
  from: SeedUser,
  id: string,
  text: string,
): ChannelActivity {
  const base = envelope(ctx, conversation, from, id);
  if (conversation.type !== 'channel') return { ...base, type: 'message', text, textFormat: 'plain' };
  const mention = `<at>${ctx.seed.bot.displayName}</at>`;
  return {
    ...base,
    type: 'message',
    text: `${mention} ${text}`,
    textFormat: 'plain',
    entities: [
      ...(base.entities as object[]),
      { type: 'mention', mentioned: botAccount(ctx), text: mention },
    ],
  };
}

/** Action.Execute arrives as invoke `adaptiveCard/action`; Action.Submit as a message carrying `value`. */
export function cardActionActivity(
  ctx: SandboxContext,
  conversation: Conversation,
  from: SeedUser,
  id: string,
  action: { kind: 'execute' | 'submit'; data: Record<string, unknown>; verb?: string; replyToId?: string },
): ChannelActivity {
  const base = envelope(ctx, conversation, from, id);
  const replyTo = action.replyToId ? { replyToId: action.replyToId } : {};
  if (action.kind === 'submit') {
    return {
      ...base,
      ...replyTo,
      type: 'message',
      value: action.data,
      channelData: { ...(base.channelData as object), postBack: true },
    };
  }
  return {
    ...base,
    ...replyTo,
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: {
      action: { type: 'Action.Execute', ...(action.verb ? { verb: action.verb } : {}), data: action.data },
      trigger: 'manual',
    },
  };
}
