/** Every `/api` call: a Teams SSO token, validated, and the signed-in user on `res.locals.user`. */
import type { NextFunction, Request, Response } from 'express';
import type { SignedInUser, SsoTokenValidator } from '../identity/port';
import { RequestError } from './request-error';

export function authenticate(validator: SsoTokenValidator) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      next(new RequestError('unauthenticated', 'Sign in to Teams: this call needs a Teams SSO token.'));
      return;
    }
    try {
      res.locals.user = await validator.validate(match[1]);
      next();
    } catch (error) {
      // An SsoTokenError is a 401; an ExchangeConnectError means Entra's signing keys could not be
      // fetched (an outage on Microsoft's side, not a bad token). The problem table tells them apart.
      next(error);
    }
  };
}

export function signedInUser(res: Response): SignedInUser {
  return res.locals.user as SignedInUser;
}
