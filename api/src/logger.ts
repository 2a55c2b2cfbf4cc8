/**
 * The process logger. Redaction is the last line of defence: code never logs secrets on purpose,
 * and these paths make sure an accidental `log.info({ req })` or error object cannot leak one.
 */
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sealedPassword',
  '*.sealedPassword',
  'secret',
  '*.secret',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  'privateKey',
  '*.privateKey',
  'clientAssertion',
  '*.client_assertion',
];

export type { Logger };

export function createLogger(
  options: { level?: string; destination?: pino.DestinationStream; name?: string } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'exchange-connect',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
