/** A logger (the app's own, redaction included) whose lines land in an array for assertions. */
import { Writable } from 'node:stream';
import { createLogger } from '../../api/src/logger';

export function captureLog(level: 'debug' | 'info' | 'warn' = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, log: createLogger({ level, destination }) };
}
