import { captureLog } from '../support/log-capture';

describe('logger redaction', () => {
  const SECRET = 'Correct-Horse-Battery-9!';

  it('never writes passwords, tokens, keys or authorization headers', () => {
    const { lines, log } = captureLog();
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

describe('logger redaction of hostile shapes', () => {
  const SECRET = 'Correct-Horse-Battery-9!';
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW9mLWEtdG9rZW4';

  it('redacts Authorization, cookie, password, client_assertion and tokens in any case, five levels deep', () => {
    const { lines, log } = captureLog();
    log.info(
      {
        a: { b: { c: { d: { e: { AUTHORIZATION: `Bearer ${SECRET}`, Cookie: SECRET } } } } },
        one: { Authorization: SECRET, two: { authorization: SECRET, PassWord: SECRET } },
        form: { Client_Assertion: SECRET, 'client-assertion': SECRET, clientAssertion: SECRET },
        list: [{ refresh_token: SECRET }, { ACCESS_TOKEN: SECRET }, { 'X-Api-Key': SECRET }],
        headers: { 'Set-Cookie': [SECRET], 'Proxy-Authorization': SECRET },
        secretId: 'https://vault.example/secrets/fabrikam-svc',
      },
      'deep',
    );
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(text).toContain('https://vault.example/secrets/fabrikam-svc');
    const line = JSON.parse(text) as { a: { b: { c: { d: { e: Record<string, string> } } } } };
    expect(line.a.b.c.d.e).toEqual({ AUTHORIZATION: '[redacted]', Cookie: '[redacted]' });
  });

  it('strips an axios-like error’s config, request and headers, keeping what diagnoses it', () => {
    const { lines, log } = captureLog();
    const axiosError = Object.assign(new Error('Request failed with status code 401'), {
      isAxiosError: true,
      code: 'ERR_BAD_REQUEST',
      config: {
        url: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
        headers: { Authorization: `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}` },
        data: `<t:Password>${SECRET}</t:Password>`,
        auth: { username: 'svc', password: SECRET },
      },
      request: { _header: `POST /EWS/Exchange.asmx HTTP/1.1\r\nAuthorization: Basic ${SECRET}\r\n` },
      response: { status: 401, headers: { 'www-authenticate': 'Basic' }, data: SECRET },
    });
    log.error({ err: axiosError }, 'EWS call failed');
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(`svc:${SECRET}`).toString('base64'));
    const line = JSON.parse(text) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({
      message: 'Request failed with status code 401',
      code: 'ERR_BAD_REQUEST',
      status: 401,
    });
    expect(line.err).not.toHaveProperty('config');
    expect(line.err).not.toHaveProperty('request');
  });

  it('follows an Error’s cause chain, redacting each cause and credentials quoted in messages', () => {
    const { lines, log } = captureLog();
    const root = Object.assign(new Error(`token endpoint said no to client_assertion=${JWT}`), {
      config: { headers: { authorization: `Bearer ${JWT}` } },
      request: {},
    });
    const middle = new Error(`retrying with Authorization: Bearer ${SECRET}`, { cause: root });
    const top = new Error('verification failed', { cause: middle });
    log.error({ err: top }, `failed for Bearer ${SECRET}`);
    log.error(top);
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JWT);
    const line = JSON.parse(lines[0]!) as {
      msg: string;
      err: { message: string; cause: { message: string; cause: Record<string, unknown> } };
    };
    expect(line.err.message).toBe('verification failed');
    expect(line.err.cause.message).toBe('retrying with Authorization: Bearer [redacted]');
    expect(line.err.cause.cause.message).toBe('token endpoint said no to client_assertion=[redacted]');
    expect(line.err.cause.cause).not.toHaveProperty('config');
    expect(line.msg).toBe('failed for Bearer [redacted]');
  });

  it('redacts credentials inside URLs and under connection-string and auth keys', () => {
    const { lines, log } = captureLog();
    log.error({ err: new Error('connect ECONNREFUSED postgres://ec:S3cret-Pw@db.example:5432/ec') }, 'db');
    log.info(
      { connectionString: 'Server=db;Password=x', dsn: 'postgres://a:b@c/d', auth: 'svc:Hunter2pass' },
      'keys',
    );
    log.info({ credentials: { user: 'svc', pass: 'Hunter2pass' } }, 'credentials');
    const text = lines.join('');
    expect(text).not.toMatch(/S3cret-Pw|Hunter2pass|Password=x|a:b@/);
    expect(text).toContain('postgres://ec:[redacted]@db.example:5432/ec');
  });

  it('survives cycles and child bindings', () => {
    const { lines, log } = captureLog();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const error = new Error('cyclic') as Error & { cause?: unknown };
    error.cause = error;
    log.child({ tenant: 'fabrikam', password: SECRET }).info({ loop, err: error }, 'cycles');
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ tenant: 'fabrikam', loop: { self: '[Circular]' } });
  });
});
