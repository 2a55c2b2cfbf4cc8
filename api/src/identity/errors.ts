/**
 * Identity errors that are about the caller's request, not about Microsoft: the HTTP layer turns an
 * SsoTokenError into 401 and a ConsentStateError into 400. Neither is an ExchangeConnectError.
 */
import { AppError } from '../errors';

export const SSO_TOKEN_REASONS = [
  'missing',
  'malformed',
  'signature',
  'issuer',
  'audience',
  'expired',
  'claims',
  'scope',
  'client',
] as const;
export type SsoTokenReason = (typeof SSO_TOKEN_REASONS)[number];

export class SsoTokenError extends AppError {
  override readonly name = 'SsoTokenError';
  readonly area = 'sso';
  readonly code = 'invalid_token';

  constructor(
    readonly reason: SsoTokenReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** `missing`: the callback has no state; `unknown`: never issued, already used or expired. */
export type ConsentStateReason = 'missing' | 'unknown';

export class ConsentStateError extends AppError {
  override readonly name = 'ConsentStateError';
  readonly area = 'consent_state';
  readonly code = 'invalid_state';

  constructor(
    readonly reason: ConsentStateReason,
    message: string,
  ) {
    super(message);
  }
}
