/**
 * Abuse limits on the calls that make us work against Exchange or Entra on a user's behalf: per
 * Global Admin and per tenant, 429 problem+json with Retry-After beyond them. Counted after
 * authentication and only for Global Admins: anyone else is refused with 403 at no cost, and so
 * cannot use up their tenant's allowance.
 */
import type { NextFunction, Request, Response } from 'express';
import { signedInUser } from './auth';
import { RequestError } from './request-error';
import { TokenBuckets } from './token-buckets';
import type { RateLimitSettings } from '../config';

export type { RateLimitSettings };

export type RateLimitGroup = Exclude<keyof RateLimitSettings, 'windowMs'>;

export function createRateLimits(settings: RateLimitSettings, now: () => number) {
  const buckets = new TokenBuckets(settings.windowMs, now);
  return (group: RateLimitGroup) => {
    const rule = settings[group];
    return (_req: Request, res: Response, next: NextFunction): void => {
      const user = signedInUser(res);
      if (!user.isGlobalAdmin) {
        next();
        return;
      }
      const waitMs = buckets.take([
        [`${group}|user|${user.tenantId}|${user.oid}`, rule.perUser],
        [`${group}|tenant|${user.tenantId}`, rule.perTenant],
      ]);
      if (waitMs === 0) {
        next();
        return;
      }
      const seconds = Math.ceil(waitMs / 1000);
      next(
        new RequestError('rate_limited', `Too many requests. Try again in ${seconds} seconds.`, {
          retryAfterMs: waitMs,
        }),
      );
    };
  };
}
