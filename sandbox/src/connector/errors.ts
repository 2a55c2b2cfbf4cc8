/** The connector's error answers, with the codes and messages Teams' bot APIs return. */
import type { Response } from 'express';

export const CONNECTOR_ERRORS = {
  badSyntax: { status: 400, code: 'BadSyntax', message: 'Incorrect conversation creation parameters' },
  badArgument: { status: 400, code: 'BadArgument', message: 'Activity is not valid.' },
  botNotInRoster: {
    status: 403,
    code: 'BotNotInConversationRoster',
    message: 'The bot is not part of the conversation roster.',
  },
  notInstalledPersonal: {
    status: 403,
    code: 'ForbiddenOperationException',
    message: "Bot isn't installed in user's personal scope",
  },
  conversationNotFound: { status: 404, code: 'ConversationNotFound', message: 'Conversation not found.' },
  activityNotFound: {
    status: 404,
    code: 'ActivityNotFoundInConversation',
    message: 'Conversation not found.',
  },
  messageTooBig: { status: 413, code: 'MessageSizeTooBig', message: 'Message size too large.' },
  throttled: { status: 429, code: 'Throttled', message: 'Too many requests.' },
} as const;

export type ConnectorErrorName = keyof typeof CONNECTOR_ERRORS;

export function sendConnectorError(res: Response, name: ConnectorErrorName): void {
  const { status, code, message } = CONNECTOR_ERRORS[name];
  res.status(status).json({ error: { code, message } });
}

/** What the connector's ASP.NET front end answers for a missing or rejected bearer token. */
export function sendUnauthorized(res: Response): void {
  res.status(401).json({ message: 'Authorization has been denied for this request.' });
}

/** Retry-After is whole seconds; a partial second rounds up so a client never retries early. */
export function sendThrottled(res: Response, retryAfterMs: number): void {
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  sendConnectorError(res, 'throttled');
}

/** 500/502 carry `ServiceError`; 503/504 come from the front door with an empty body. */
export function sendServerError(res: Response, status: number): void {
  if (status === 500 || status === 502) {
    res.status(status).json({ error: { code: 'ServiceError', message: 'Service dependency issue.' } });
  } else {
    res.status(status).end();
  }
}
