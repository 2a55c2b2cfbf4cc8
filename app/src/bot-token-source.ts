/**
 * The bot's Bot Framework connector token, through the app's one msal-node wrapper: a second
 * MsalAppTokenProvider, for the bot's app id, with the same certificate, outbound policy (TLS
 * trust, deadline, size cap), thumbprint and throttling rules as the Exchange tokens, bound to the
 * tenant EC_BOT_LOGIN_AUTHORITY names (`botframework.com`, or a single-tenant bot's own tenant).
 */
import { ConfigError, type AppConfig } from '../../api/src/config';
import {
  MsalAppTokenProvider,
  type MsalAppTokenProviderOptions,
} from '../../api/src/identity/msal-token-provider';
import type { BotTokenSource } from '../../bot/src/ports';

/** `https://login.microsoftonline.com/botframework.com` → the authority host and the tenant. */
export function splitLoginAuthority(loginAuthority: string): { authorityHost: string; tenant: string } {
  const url = new URL(loginAuthority);
  const segments = url.pathname.split('/').filter(Boolean);
  const tenant = segments.pop();
  if (!tenant) {
    throw new ConfigError(
      'EC_BOT_LOGIN_AUTHORITY',
      "must name the bot's tenant, e.g. https://login.microsoftonline.com/botframework.com",
    );
  }
  return { authorityHost: `${url.origin}${segments.map((s) => `/${s}`).join('')}`, tenant };
}

export function botTokenSource(
  config: Pick<AppConfig, 'botAppId' | 'appCertificate'> & { bot: Pick<AppConfig['bot'], 'loginAuthority'> },
  options: MsalAppTokenProviderOptions,
): BotTokenSource {
  const { authorityHost, tenant } = splitLoginAuthority(config.bot.loginAuthority);
  const provider = new MsalAppTokenProvider(
    { authorityHost, clientId: config.botAppId, appCertificate: config.appCertificate },
    options,
  );
  return { getAccessToken: (scope) => provider.getAccessToken(scope, tenant) };
}
