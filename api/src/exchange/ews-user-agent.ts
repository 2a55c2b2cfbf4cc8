/**
 * The User-Agent Exchange Connect sends to EWS. Exchange Online's user-agent policies
 * (EwsApplicationAccessPolicy with EwsAllowList / EwsBlockList) match it, so the command that lets
 * us through names this pattern; without a User-Agent an allow list refuses every request.
 */
export const EWS_USER_AGENT = 'ExchangeConnect/1.0';
/** What an admin adds to EwsAllowList: every version of Exchange Connect. */
export const EWS_USER_AGENT_PATTERN = 'ExchangeConnect/*';
