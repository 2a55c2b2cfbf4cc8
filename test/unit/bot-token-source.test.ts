/** The bot's token source is bound to the tenant EC_BOT_LOGIN_AUTHORITY names; one without a tenant stops the app. */
import { ConfigError } from '../../api/src/config';
import { splitLoginAuthority } from '../../app/src/bot-token-source';

describe('splitLoginAuthority', () => {
  it.each([
    [
      'https://login.microsoftonline.com/botframework.com',
      'https://login.microsoftonline.com',
      'botframework.com',
    ],
    [
      'https://login.microsoftonline.us/6017edad-5955-4f71-b9a1-21085262c211',
      'https://login.microsoftonline.us',
      '6017edad-5955-4f71-b9a1-21085262c211',
    ],
    ['https://127.0.0.1:44301/entra/botframework.com', 'https://127.0.0.1:44301/entra', 'botframework.com'],
  ])('%s → %s + %s', (authority, authorityHost, tenant) => {
    expect(splitLoginAuthority(authority)).toEqual({ authorityHost, tenant });
  });

  it('refuses an authority without a tenant, naming the variable', () => {
    expect(() => splitLoginAuthority('https://login.microsoftonline.com')).toThrow(ConfigError);
    expect(() => splitLoginAuthority('https://login.microsoftonline.com/')).toThrow(/EC_BOT_LOGIN_AUTHORITY/);
  });
});
