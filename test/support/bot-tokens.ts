/**
 * Bot Framework access tokens minted by the sandbox Entra ID's own signer, for tests that speak
 * the connector protocol without going through the token endpoint (and for tokens Entra would
 * never issue to our bot: another app, tenant or resource).
 */
import { randomUUID } from 'node:crypto';
import { RESOURCES, issueAppOnlyToken, type Resource } from '../../sandbox/src/access-tokens';
import type { SandboxContext } from '../../sandbox/src/context';

export function botFrameworkToken(
  ctx: SandboxContext,
  overrides: { appId?: string; tenantId?: string; resource?: Resource } = {},
): Promise<string> {
  return issueAppOnlyToken(ctx, {
    tenantId: overrides.tenantId ?? ctx.seed.publisher.tenantId,
    appId: overrides.appId ?? ctx.seed.bot.appId,
    resource: overrides.resource ?? RESOURCES.botFramework,
    servicePrincipalId: randomUUID(),
  });
}
