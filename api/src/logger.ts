/**
 * The process logger. Redaction is the last line of defence: code never logs secrets on purpose,
 * and log-redaction.ts makes sure an accidental `log.info({ req })` or error object cannot leak
 * one, whatever the key's case or depth.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { redactForLog, redactText } from './log-redaction';

export type { Logger };

export function createLogger(
  options: { level?: string; destination?: pino.DestinationStream; name?: string } = {},
): Logger {
  const logger = pino(
    {
      name: options.name ?? 'exchange-connect',
      level: options.level ?? 'info',
      formatters: {
        log: (object) => redactForLog(object) as Record<string, unknown>,
        bindings: (bindings) => redactForLog(bindings) as pino.Bindings,
      },
      serializers: {
        // The formatter has already turned errors into safe summaries; pino's own err serializer
        // would copy their enumerable properties (an axios config) back in.
        err: (value: unknown) => value,
        msg: (value: unknown) => (typeof value === 'string' ? redactText(value) : value),
      },
    },
    options.destination,
  );
  // pino applies the bindings formatter to the root logger only; children (and their children,
  // which inherit this property) get their bindings redacted here.
  const pinoChild = logger.child;
  const child = function (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return Reflect.apply(pinoChild, this, [redactForLog(bindings), childOptions]) as Logger;
  };
  Object.defineProperty(logger, 'child', { value: child });
  return logger;
}

/**
 * Logs an unexpected error, with its stack, under a new correlation id and answers the id: users
 * are shown only the id (never the error's text), and whoever reads the log finds the error by it.
 */
export function logUnexpected(log: Logger, error: unknown, message: string): string {
  const correlationId = randomUUID();
  log.error({ err: error, correlationId }, message);
  return correlationId;
}
