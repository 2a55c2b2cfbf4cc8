/**
 * Teams identifiers as the Bot Framework connector hands them to bots: pairwise user ids
 * (`29:1…`), the bot's id (`28:{appId}`), personal chat ids (`a:1…`) and channel thread ids
 * (`19:…@thread.tacv2`). Personal ids are derived, so the same user always gets the same chat.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../context';

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('|')).digest('base64url');

/** The pairwise id Teams gives a user towards one bot. */
export const userMri = (botAppId: string, userOid: string) => `29:1${digest('user', botAppId, userOid)}`;

export const botMri = (botAppId: string) => `28:${botAppId}`;

/** Teams answers the same `a:` id for every create of a 1:1 chat between one bot and one user. */
export const personalConversationId = (botAppId: string, tenantId: string, userOid: string) =>
  `a:1${digest('personal', botAppId, tenantId, userOid)}`;

export const newThreadId = () => `19:${randomBytes(16).toString('hex')}@thread.tacv2`;

/** A reply chain in a channel is addressed as `{channelId};messageid={rootId}`; the roster is the channel's. */
export const threadOf = (conversationId: string) => conversationId.split(';')[0] ?? conversationId;

/** Teams' serviceUrl (`https://smba.trafficmanager.net/teams/`): the connector origin plus `/teams/`. */
export const SERVICE_PATH_PREFIX = '/teams';
export const serviceUrl = (ctx: SandboxContext) => `${ctx.urls.connector}${SERVICE_PATH_PREFIX}/`;
