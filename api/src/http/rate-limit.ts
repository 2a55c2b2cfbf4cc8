/**
 * Abuse limits on the calls that make us work against Exchange or Entra on a user's behalf: per
 * Global Admin and per tenant, 429 problem+json with Retry-After beyond them. Counted after
 * authentication. Anyone else is refused with 403 (and audited) by the route, limited by their own
 * per-user allowance only: they can neither flood the audit log nor use up their tenant's allowance.
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
      const perUser: [string, number] = [`${group}|user|${user.tenantId}|${user.oid}`, rule.perUser];
      const waitMs = buckets.take(
        user.isGlobalAdmin ? [perUser, [`${group}|tenant|${user.tenantId}`, rule.perTenant]] : [perUser],
      );
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
