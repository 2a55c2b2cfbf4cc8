/**
 * Microsoft Graph's error catalogue (the codes and texts the sandbox answers with) and its body:
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface GraphTrace {
  requestId: string;
  clientRequestId: string;
  nowMs: number;
}

/** `2024-05-14T15:30:03`: the innerError date, UTC without zone or fraction, as Graph writes it. */
export const innerErrorDate = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export function graphErrorBody(error: GraphError, trace: GraphTrace) {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: innerErrorDate(trace.nowMs),
        'request-id': trace.requestId,
        'client-request-id': trace.clientRequestId,
      },
    },
  };
}

export const ACCESS_DENIED = 'Access is denied. Check credentials and try again.';

export const graphErrors = {
  emptyToken: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
  unparsableToken: () =>
    new GraphError(
      401,
      'InvalidAuthenticationToken',
      'CompactToken parsing failed with error code: 80049217',
    ),
  invalidToken: (detail = '') =>
    new GraphError(401, 'InvalidAuthenticationToken', `Access token validation failure.${detail}`),
  expiredToken: () =>
    new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'),
  accessDenied: () => new GraphError(403, 'ErrorAccessDenied', ACCESS_DENIED),
  invalidUser: (id: string) =>
    new GraphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`),
  mailboxNotEnabled: () =>
    new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'REST API is not yet supported for this mailbox.'),
  itemNotFound: () =>
    new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  segmentNotFound: (segment: string) =>
    new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  invalidVersion: (version: string) => new GraphError(400, 'BadRequest', `Invalid version: ${version}`),
  methodNotAllowed: () =>
    new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
  timeWindowRequired: () =>
    new GraphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    ),
  invalidParameter: (name: string, value: string) =>
    new GraphError(400, 'ErrorInvalidParameter', `The value '${value}' of parameter '${name}' is invalid.`),
  endBeforeStart: () =>
    new GraphError(400, 'ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate'),
  unknownProperty: (property: string, type: string) =>
    new GraphError(
      400,
      'RequestBroker--ParseUri',
      `Could not find a property named '${property}' on type 'microsoft.graph.${type}'.`,
    ),
  invalidQueryOption: (name: string, value: string) =>
    new GraphError(400, 'BadRequest', `Invalid value '${value}' for query option '${name}'.`),
  unsupportedQueryOption: (name: string) =>
    new GraphError(400, 'BadRequest', `Query option '${name}' is not supported.`),
  invalidJson: () =>
    new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  invalidRequest: (message: string) => new GraphError(400, 'ErrorInvalidRequest', message),
  batchTooLarge: () =>
    new GraphError(400, 'BadRequest', 'Number of requests inside batch exceeds the limit.'),
  batchInvalid: (message: string) => new GraphError(400, 'BadRequest', message),
  /** Outlook's per app and mailbox concurrency limit (4 requests in flight). */
  mailboxConcurrency: (retryAfterSeconds: number) =>
    new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
      'Retry-After': String(retryAfterSeconds),
    }),
  throttled: (retryAfterSeconds: number) =>
    new GraphError(429, 'TooManyRequests', 'Please retry again later.', {
      'Retry-After': String(retryAfterSeconds),
    }),
  serverError: (status: number) => {
    switch (status) {
      case 503:
        return new GraphError(
          503,
          'serviceNotAvailable',
          'The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, which may be specified in a Retry-After header.',
          { 'Retry-After': '5' },
        );
      case 504:
        return new GraphError(
          504,
          'GatewayTimeout',
          'The gateway did not receive a timely response from the service.',
        );
      default:
        return new GraphError(status, 'generalException', 'An unspecified error has occurred.');
    }
  },
} as const;
