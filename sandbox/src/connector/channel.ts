/**
 * What a Teams user does to the bot, as the channel sees it: install it (personal or in a
 * team), remove it, write to it, press an Adaptive Card button. Each changes the connector's
 * roster where Teams would and delivers the matching signed activities to the bot.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../context';
import type { SeedTenant, SeedUser } from '../seed';
import {
  cardActionActivity,
  installActivities,
  messageActivity,
  uninstallActivities,
  type ChannelActivity,
} from './activities';
import { deliverToBot, type BotAnswer } from './bot-delivery';
import { newThreadId, personalConversationId } from './identities';
import { connectorState, type Conversation, type ConnectorState } from './state';

export class ChannelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Delivery {
  conversationId: string;
  deliveries: BotAnswer[];
}

function findUser(ctx: SandboxContext, upn: string): { tenant: SeedTenant; user: SeedUser } {
  const found = ctx.directory.findUser(upn);
  if (!found) throw new ChannelError(404, 'user_not_found', `No sandbox user ${upn}.`);
  return found;
}

function findConversation(state: ConnectorState, conversationId: string): Conversation {
  const conversation = state.conversations.get(conversationId);
  if (!conversation)
    throw new ChannelError(404, 'conversation_not_found', `No conversation ${conversationId}.`);
  return conversation;
}

async function deliverAll(
  ctx: SandboxContext,
  conversation: Conversation,
  activities: ChannelActivity[],
): Promise<Delivery> {
  const state = connectorState(ctx);
  const deliveries: BotAnswer[] = [];
  // In order, one at a time: Teams does not start the next event before the bot answered the last.
  for (const activity of activities)
    deliveries.push(await deliverToBot(ctx, state.endpoint(), activity, conversation.tenantId));
  return { conversationId: conversation.id, deliveries };
}

/** The personal chat between the bot and a user, created on first need (install or proactive create). */
export function personalConversation(ctx: SandboxContext, tenant: SeedTenant, user: SeedUser): Conversation {
  const state = connectorState(ctx);
  const id = personalConversationId(ctx.seed.bot.appId, tenant.id, user.id);
  let conversation = state.conversations.get(id);
  if (!conversation) {
    conversation = {
      id,
      type: 'personal',
      tenantId: tenant.id,
      members: [user],
      installedBy: user,
      botInRoster: false,
      createdAtMs: ctx.now(),
    };
    state.conversations.set(id, conversation);
  }
  return conversation;
}

function teamConversation(
  ctx: SandboxContext,
  tenant: SeedTenant,
  installer: SeedUser,
  teamName: string,
): Conversation {
  const state = connectorState(ctx);
  const key = `${tenant.id}|${teamName.toLowerCase()}`;
  let team = state.teams.get(key);
  if (!team) {
    // A team's id is its General channel's thread id.
    team = { id: newThreadId(), name: teamName, aadGroupId: randomUUID() };
    state.teams.set(key, team);
  }
  let conversation = state.conversations.get(team.id);
  if (!conversation) {
    conversation = {
      id: team.id,
      type: 'channel',
      tenantId: tenant.id,
      members: tenant.users,
      team,
      installedBy: installer,
      botInRoster: false,
      createdAtMs: ctx.now(),
    };
    state.conversations.set(team.id, conversation);
  }
  conversation.installedBy = installer;
  return conversation;
}

export async function install(
  ctx: SandboxContext,
  input: { upn: string; scope: 'personal' | 'team'; teamName?: string },
): Promise<Delivery> {
  const { tenant, user } = findUser(ctx, input.upn);
  const conversation =
    input.scope === 'personal'
      ? personalConversation(ctx, tenant, user)
      : teamConversation(ctx, tenant, user, input.teamName ?? `${tenant.displayName} HQ`);
  conversation.installedBy = user;
  conversation.botInRoster = true;
  const state = connectorState(ctx);
  return deliverAll(
    ctx,
    conversation,
    installActivities(ctx, conversation, () => state.nextActivityId()),
  );
}

/**
 * Adding a Teams app whose bot has the personal scope installs the bot for that user. The host
 * page does this when a user opens the app; a delivery the bot did not accept leaves it
 * uninstalled, so the next visit tries again.
 */
export async function ensurePersonalInstall(ctx: SandboxContext, upn: string): Promise<void> {
  const { tenant, user } = findUser(ctx, upn);
  if (personalConversation(ctx, tenant, user).botInRoster) return;
  const delivery = await install(ctx, { upn, scope: 'personal' });
  if (delivery.deliveries.some((d) => d.status < 200 || d.status >= 300)) {
    personalConversation(ctx, tenant, user).botInRoster = false;
  }
}

export async function uninstall(ctx: SandboxContext, input: { conversationId: string }): Promise<Delivery> {
  const state = connectorState(ctx);
  const conversation = findConversation(state, input.conversationId);
  if (!conversation.botInRoster)
    throw new ChannelError(409, 'bot_not_installed', 'The bot is not installed in this conversation.');
  conversation.botInRoster = false;
  return deliverAll(
    ctx,
    conversation,
    uninstallActivities(ctx, conversation, () => state.nextActivityId()),
  );
}

function memberFor(ctx: SandboxContext, conversation: Conversation, upn: string): SeedUser {
  const { user } = findUser(ctx, upn);
  if (!conversation.members.some((m) => m.id === user.id)) {
    throw new ChannelError(403, 'not_a_member', `${upn} is not a member of this conversation.`);
  }
  if (!conversation.botInRoster)
    throw new ChannelError(409, 'bot_not_installed', 'The bot is not installed in this conversation.');
  return user;
}

export async function sendUserMessage(
  ctx: SandboxContext,
  input: { conversationId: string; upn: string; text: string },
): Promise<Delivery> {
  const state = connectorState(ctx);
  const conversation = findConversation(state, input.conversationId);
  const user = memberFor(ctx, conversation, input.upn);
  return deliverAll(ctx, conversation, [
    messageActivity(ctx, conversation, user, state.nextActivityId(), input.text),
  ]);
}

export async function sendCardAction(
  ctx: SandboxContext,
  input: {
    conversationId: string;
    upn: string;
    kind: 'execute' | 'submit';
    data: Record<string, unknown>;
    verb?: string;
    replyToId?: string;
  },
): Promise<Delivery> {
  const state = connectorState(ctx);
  const conversation = findConversation(state, input.conversationId);
  const user = memberFor(ctx, conversation, input.upn);
  return deliverAll(ctx, conversation, [
    cardActionActivity(ctx, conversation, user, state.nextActivityId(), input),
  ]);
}
