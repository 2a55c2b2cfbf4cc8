import { Writable } from 'node:stream';
import { createLogger } from '../../api/src/logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

describe('logger redaction', () => {
  const SECRET = 'Correct-Horse-Battery-9!';

  it('never writes passwords, tokens, keys or authorization headers', () => {
    const { lines, log } = capture();
    log.info({ password: SECRET }, 'top level');
    log.info({ account: { password: SECRET, user: 'svc-ews@fabrikam.com' } }, 'nested');
    log.info({ req: { headers: { authorization: `Basic ${SECRET}` } } }, 'request');
    log.info({ result: { accessToken: SECRET } }, 'token');
    log.info({ credential: { privateKey: SECRET } }, 'key');
    const text = lines.join('');
    expect(lines).toHaveLength(5);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('svc-ews@fabrikam.com');
    expect(text.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
