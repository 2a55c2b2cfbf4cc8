/**
 * What the bot needs from the one app configuration. The Bot Framework endpoints default to
 * Microsoft's public cloud; a sandbox or sovereign cloud differs only in these values.
 */
import type { TabLink } from './cards/card';
import type { BotTokenSource } from './ports';

export interface BotFrameworkEndpoints {
  /** Authority the bot gets its connector token from: `https://login.microsoftonline.com/<bot tenant>`. */
  loginAuthority: string;
  /** Scope of that token. */
  oauthScope: string;
  /** OpenID metadata of the keys the channel signs its requests with. */
  openIdMetadataUrl: string;
  /** The `iss` of the channel's tokens. */
  tokenIssuer: string;
}

/** Microsoft's public cloud. A single-tenant bot replaces `botframework.com` with its own tenant id. */
export const PUBLIC_CLOUD_ENDPOINTS: BotFrameworkEndpoints = {
  loginAuthority: 'https://login.microsoftonline.com/botframework.com',
  oauthScope: 'https://api.botframework.com',
  openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  tokenIssuer: 'https://api.botframework.com',
};

/** The bot signs in as its own app: its token comes from the app's one msal-node wrapper. */
export interface BotAppAuth {
  mode: 'app';
  /** The Azure Bot's Microsoft App ID. */
  appId: string;
  endpoints: BotFrameworkEndpoints;
  /** Tokens for `appId` in the tenant of `endpoints.loginAuthority` (the composition root builds it). */
  tokens: BotTokenSource;
}

export type BotAuthSettings =
  | BotAppAuth
  /**
   * DANGER: no app id and no credentials. botbuilder then accepts unsigned requests and sends
   * without a token. Only `npm run playground` (the offline Agents Playground on localhost) uses it.
   */
  | { mode: 'dangerouslyUnauthenticatedForPlayground' };

export interface BotSettings {
  auth: BotAuthSettings;
  tab: TabLink;
}
