/**
 * The Bot Framework connector REST API a Teams bot calls (`{serviceUrl}v3/conversations…`):
 * create a 1:1 chat or a channel thread, send, reply, update, list members. Each request is
 * authenticated, may meet an injected fault, is rate limited as Teams limits it, and is refused
 * with 403 BotNotInConversationRoster where the bot is no longer in the conversation.
 */
import express, { type Request, type Response } from 'express';
import type { SandboxContext } from '../context';
import type { SeedTenant, SeedUser } from '../seed';
import { requireBotToken } from './bot-auth';
import { personalConversation } from './channel';
import { sendConnectorError, sendServerError, sendThrottled } from './errors';
import { botMri, threadOf, userMri } from './identities';
import { RATE_LIMITS, type RateLimitCheck } from './rate-limits';
import { connectorState, type BotOperation, type Conversation } from './state';

export type ConnectorRoute =
  | 'createConversation'
  | 'sendToConversation'
  | 'replyToActivity'
  | 'updateActivity'
  | 'getConversationMembers';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Applies injected faults; true when the fault already answered (or swallowed) the request. */
async function injectFault(
  ctx: SandboxContext,
  route: ConnectorRoute,
  req: Request,
  res: Response,
): Promise<boolean> {
  const { latencyMs, failure } = ctx.faults.take('connector', route);
  // Releasable (POST /_sandbox/faults/release), so tests hold sends in flight without sleeping.
  await ctx.faults.delay(latencyMs);
  if (!failure) return false;
  switch (failure.kind) {
    case 'throttle':
      sendThrottled(res, failure.ms);
      return true;
    case 'http5xx':
      sendServerError(res, failure.status);
      return true;
    case 'timeout':
      // The connector never answers; the client's own time-out decides.
      if (failure.ms > 0) setTimeout(() => req.socket.destroy(), failure.ms).unref();
      return true;
    case 'malformed':
      res.status(200).type('application/json; charset=utf-8').send('{"id":"');
      return true;
    case 'latency':
    case 'innerServerBusy': // EWS-only kinds; the control API refuses them for other services
    case 'omitProperties':
      return false;
  }
}

function admit(ctx: SandboxContext, res: Response, tenantId: string, check: RateLimitCheck): boolean {
  const state = connectorState(ctx);
  const decision = state.limiter.tryAcquire(
    [check, { key: `tenant|${tenantId}`, windows: RATE_LIMITS.perAppPerTenant }],
    ctx.now(),
  );
  if (!decision.allowed) sendThrottled(res, decision.retryAfterMs);
  return decision.allowed;
}

function memberOf(ctx: SandboxContext, user: SeedUser, tenantId: string) {
  return {
    id: userMri(ctx.seed.bot.appId, user.id),
    name: user.displayName,
    aadObjectId: user.id,
    email: user.upn,
    userPrincipalName: user.upn,
    tenantId,
    userRole: 'user',
  };
}

/** Teams accepts a user as their pairwise `29:` id, `8:orgid:{oid}`, or by Entra object id. */
function resolveMember(ctx: SandboxContext, tenant: SeedTenant, member: unknown): SeedUser | undefined {
  if (!isObject(member)) return undefined;
  const id = str(member.id) ?? '';
  const oid = str(member.aadObjectId) ?? (id.startsWith('8:orgid:') ? id.slice('8:orgid:'.length) : id);
  return tenant.users.find((u) => u.id === oid.toLowerCase() || userMri(ctx.seed.bot.appId, u.id) === id);
}

/** What the connector stores for a bot's activity: the bot as sender, the conversation it went to. */
function recordBotActivity(
  ctx: SandboxContext,
  conversationId: string,
  operation: BotOperation,
  body: JsonObject,
  id: string,
  replyToId?: string,
) {
  const bot = ctx.seed.bot;
  const activity: JsonObject = {
    ...body,
    id,
    ...(replyToId ? { replyToId } : {}),
    from: { id: botMri(bot.appId), name: bot.displayName },
    conversation: { ...(isObject(body.conversation) ? body.conversation : {}), id: conversationId },
    timestamp: new Date(ctx.now()).toISOString(),
  };
  connectorState(ctx).record(conversationId, operation, activity);
}

export function createConnectorRestRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const state = connectorState(ctx);
  router.use(requireBotToken(ctx));

  router.post('/v3/conversations', async (req, res) => {
    if (await injectFault(ctx, 'createConversation', req, res)) return;
    const body: JsonObject = isObject(req.body) ? req.body : {};
    const channelData = isObject(body.channelData) ? body.channelData : {};
    const tenantId =
      str(body.tenantId) ?? (isObject(channelData.tenant) ? str(channelData.tenant.id) : undefined);
    const tenant = tenantId ? ctx.directory.findTenant(tenantId) : undefined;
    if (!tenant) return sendConnectorError(res, 'badSyntax');
    if (!admit(ctx, res, tenant.id, { key: `create|${tenant.id}`, windows: RATE_LIMITS.createConversation }))
      return;

    if (body.isGroup === true) return createChannelThread(res, tenant, channelData, body.activity);
    const members = Array.isArray(body.members) ? body.members : [];
    const user = members.length === 1 ? resolveMember(ctx, tenant, members[0]) : undefined;
    if (!user) return sendConnectorError(res, 'badSyntax');
    const chat = personalConversation(ctx, tenant, user);
    // A bot may open a 1:1 with a user who installed it personally or shares a team where it is installed.
    const inTeam = [...state.conversations.values()].some(
      (c) =>
        c.type === 'channel' &&
        c.tenantId === tenant.id &&
        c.botInRoster &&
        c.members.some((m) => m.id === user.id),
    );
    if (!chat.botInRoster && !inTeam) return sendConnectorError(res, 'notInstalledPersonal');
    chat.botInRoster = true;
    if (isObject(body.activity))
      recordBotActivity(ctx, chat.id, 'create', body.activity, state.nextActivityId());
    res.status(201).json({ id: chat.id });
  });

  function createChannelThread(
    res: Response,
    tenant: SeedTenant,
    channelData: JsonObject,
    activity: unknown,
  ) {
    const channelId = isObject(channelData.channel) ? str(channelData.channel.id) : undefined;
    const channel = channelId ? state.conversations.get(channelId) : undefined;
    if (!channel || channel.type !== 'channel' || channel.tenantId !== tenant.id || !isObject(activity)) {
      return sendConnectorError(res, 'badSyntax');
    }
    if (!channel.botInRoster) return sendConnectorError(res, 'botNotInRoster');
    const activityId = state.nextActivityId();
    const threadId = `${channel.id};messageid=${activityId}`;
    recordBotActivity(ctx, threadId, 'create', activity, activityId);
    res.status(201).json({ id: threadId, activityId });
  }

  /** Shared gate for routes on one conversation: faults, existence, rate limit, roster. */
  async function conversationFor(
    route: ConnectorRoute,
    req: Request,
    res: Response,
  ): Promise<Conversation | undefined> {
    if (await injectFault(ctx, route, req, res)) return undefined;
    const conversationId = String(req.params.conversationId);
    const conversation = state.conversations.get(threadOf(conversationId));
    if (!conversation) {
      sendConnectorError(res, 'conversationNotFound');
      return undefined;
    }
    const limits =
      route === 'getConversationMembers'
        ? RATE_LIMITS.getConversationMembers
        : RATE_LIMITS.sendToConversation;
    const limitName = route === 'getConversationMembers' ? 'members' : 'send';
    if (!admit(ctx, res, conversation.tenantId, { key: `${limitName}|${conversation.id}`, windows: limits }))
      return undefined;
    if (!conversation.botInRoster) {
      sendConnectorError(res, 'botNotInRoster');
      return undefined;
    }
    return conversation;
  }

  const activityBody = (req: Request): JsonObject | undefined =>
    isObject(req.body) && str(req.body.type) ? req.body : undefined;

  router.post('/v3/conversations/:conversationId/activities', async (req, res) => {
    if (!(await conversationFor('sendToConversation', req, res))) return;
    const body = activityBody(req);
    if (!body) return sendConnectorError(res, 'badArgument');
    const id = state.nextActivityId();
    recordBotActivity(ctx, req.params.conversationId, 'send', body, id);
    res.status(201).json({ id });
  });

  router.post('/v3/conversations/:conversationId/activities/:activityId', async (req, res) => {
    if (!(await conversationFor('replyToActivity', req, res))) return;
    const body = activityBody(req);
    if (!body) return sendConnectorError(res, 'badArgument');
    const id = state.nextActivityId();
    recordBotActivity(ctx, req.params.conversationId, 'reply', body, id, req.params.activityId);
    res.status(201).json({ id });
  });

  router.put('/v3/conversations/:conversationId/activities/:activityId', async (req, res) => {
    if (!(await conversationFor('updateActivity', req, res))) return;
    const body = activityBody(req);
    if (!body) return sendConnectorError(res, 'badArgument');
    const { conversationId, activityId } = req.params;
    if (!state.hasActivity(conversationId, activityId)) return sendConnectorError(res, 'activityNotFound');
    recordBotActivity(ctx, conversationId, 'update', body, activityId);
    res.status(200).json({ id: activityId });
  });

  router.get('/v3/conversations/:conversationId/members', async (req, res) => {
    const conversation = await conversationFor('getConversationMembers', req, res);
    if (!conversation) return;
    res.json(conversation.members.map((m) => memberOf(ctx, m, conversation.tenantId)));
  });

  return router;
}
