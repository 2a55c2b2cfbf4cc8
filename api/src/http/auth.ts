/** Every `/api` call: a Teams SSO token, validated, and the signed-in user on `res.locals.user`. */
import type { NextFunction, Request, Response } from 'express';
import { ExchangeConnectError } from '../errors';
import type { SignedInUser, SsoTokenValidator } from '../identity/port';
import { HttpProblem } from './problem';

export function authenticate(validator: SsoTokenValidator) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      next(new HttpProblem(401, 'unauthenticated', 'Sign in to Teams: this call needs a Teams SSO token.'));
      return;
    }
    try {
      res.locals.user = await validator.validate(match[1]);
      next();
    } catch (error) {
      // Entra's signing keys could not be fetched: an outage on Microsoft's side, not a bad token.
      if (error instanceof ExchangeConnectError) {
        next(error);
        return;
      }
      const reason = error instanceof Error ? error.message : 'invalid token';
      next(new HttpProblem(401, 'invalid_token', `The Teams SSO token was rejected: ${reason}`));
    }
  };
}

export function signedInUser(res: Response): SignedInUser {
  return res.locals.user as SignedInUser;
}
