/**
 * Bot → connector authentication: a Bearer token from Entra for `https://api.botframework.com`,
 * issued to our bot's app id in the publisher tenant (a single-tenant bot). Anything else is
 * refused exactly as the connector refuses it.
 */
import type { NextFunction, Request, Response } from 'express';
import type { SandboxContext } from '../context';
import { RESOURCES, verifyAppOnlyToken } from '../access-tokens';
import { sendUnauthorized } from './errors';

export function requireBotToken(ctx: SandboxContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return sendUnauthorized(res);
    try {
      const claims = await verifyAppOnlyToken(ctx, match[1]!, RESOURCES.botFramework);
      if (claims.appid !== ctx.seed.bot.appId || claims.tid !== ctx.seed.publisher.tenantId)
        return sendUnauthorized(res);
    } catch {
      return sendUnauthorized(res);
    }
    next();
  };
}
