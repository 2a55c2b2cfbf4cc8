/** What the HTTP layer itself refuses: a request it cannot take, before any use case runs. */
import { AppError } from '../errors';

export type RequestReason =
  | 'invalid_request'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'invalid_consent_url'
  | 'not_found'
  | 'tab_not_built'
  | 'check_running'
  | 'check_throttled'
  | 'rate_limited';

export interface RequestIssue {
  path: (string | number)[];
  message: string;
}

export class RequestError extends AppError {
  readonly area = 'request';

  constructor(
    readonly reason: RequestReason,
    message: string,
    readonly extra: { issues?: RequestIssue[]; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
