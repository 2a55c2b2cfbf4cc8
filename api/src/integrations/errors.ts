/** What the use cases refuse to do for a caller; the HTTP layer maps each reason to a status. */
import { AppError } from '../errors';

export type UseCaseReason =
  'not_global_admin' | 'not_connected' | 'wrong_method' | 'wrong_protocol' | 'conflict';

export class UseCaseError extends AppError {
  readonly area = 'use_case';
  readonly reason: UseCaseReason;

  constructor(
    readonly code: UseCaseReason,
    message: string,
    readonly remediation?: string,
  ) {
    super(message);
    this.name = 'UseCaseError';
    this.reason = code;
  }
}
