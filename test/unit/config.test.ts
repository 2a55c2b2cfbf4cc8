import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../api/src/config';

function validEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-config-'));
  const cert = path.join(dir, 'app.pem');
  const key = path.join(dir, 'app.key');
  const sealing = path.join(dir, 'sealing.pem');
  writeFileSync(cert, 'CERT');
  writeFileSync(key, 'KEY');
  writeFileSync(sealing, 'SEALING KEY');
  return {
    EC_PUBLIC_URL: 'https://connect.example.com/',
    EC_CLIENT_ID: '52C54A6A-55A3-4C79-A19B-DF6EAE6B8DDA',
    EC_APP_CERT_FILE: cert,
    EC_APP_KEY_FILE: key,
    EC_SEALING_KEY_FILE: sealing,
    EC_KEY_VAULT_URL: 'https://ec-prod.vault.azure.net',
    EC_BOT_APP_ID: 'fded9f9f-3114-4fae-b9ea-3552f4a235c5',
    EC_TEAMS_APP_ID: '7b5a3746-1866-43f9-b11d-45693f4d4d64',
  };
}

describe('loadConfig', () => {
  it('applies production defaults and normalises values', () => {
    const config = loadConfig(validEnv());
    expect(config.publicUrl).toBe('https://connect.example.com');
    expect(config.clientId).toBe('52c54a6a-55a3-4c79-a19b-df6eae6b8dda');
    expect(config.authorityHost).toBe('https://login.microsoftonline.com');
    expect(config.exchangeOnlineEwsUrl).toBe('https://outlook.office365.com/EWS/Exchange.asmx');
    expect(config.dangerouslyAllowPrivateEwsHosts).toBe(false);
    expect(config.dangerouslySkipKeyVaultResourceCheck).toBe(false);
    expect(config.dangerouslyResolveHosts.size).toBe(0);
    expect(config.appCertificate).toEqual({ certPem: 'CERT', keyPem: 'KEY' });
    expect(config.verificationDeadlineMs).toBe(60_000);
    expect(config.maxRoomsPerVerification).toBe(100);
  });

  it('reads the cap on rooms per verification, within bounds', () => {
    expect(loadConfig({ ...validEnv(), EC_VERIFICATION_MAX_ROOMS: '250' }).maxRoomsPerVerification).toBe(250);
    expect(() => loadConfig({ ...validEnv(), EC_VERIFICATION_MAX_ROOMS: '0' })).toThrow(
      /EC_VERIFICATION_MAX_ROOMS is invalid/,
    );
  });

  it('reads the verification deadline, within bounds', () => {
    const config = loadConfig({ ...validEnv(), EC_VERIFICATION_DEADLINE_SECONDS: '90' });
    expect(config.verificationDeadlineMs).toBe(90_000);
    expect(() => loadConfig({ ...validEnv(), EC_VERIFICATION_DEADLINE_SECONDS: '1' })).toThrow(
      /EC_VERIFICATION_DEADLINE_SECONDS is invalid/,
    );
  });

  it('reads the previous sealing key only when one is named (key rotation)', () => {
    expect(loadConfig(validEnv())).not.toHaveProperty('sealingPreviousKeyPem');
    const env = validEnv();
    const previous = path.join(path.dirname(env.EC_SEALING_KEY_FILE!), 'previous.pem');
    writeFileSync(previous, 'OLD SEALING KEY');
    const config = loadConfig({ ...env, EC_SEALING_PREVIOUS_KEY_FILE: previous });
    expect(config).toMatchObject({ sealingKeyPem: 'SEALING KEY', sealingPreviousKeyPem: 'OLD SEALING KEY' });
  });

  it('has abuse limits by default, and takes them from the environment', () => {
    expect(loadConfig(validEnv()).rateLimits).toEqual({
      windowMs: 600_000,
      verify: { perUser: 20, perTenant: 40 },
      check: { perUser: 10, perTenant: 20 },
      start: { perUser: 20, perTenant: 40 },
    });
    const tuned = loadConfig({
      ...validEnv(),
      EC_RATE_LIMIT_WINDOW_SECONDS: '60',
      EC_RATE_LIMIT_CHECK_PER_USER: '3',
      EC_RATE_LIMIT_CHECK_PER_TENANT: '5',
    });
    expect(tuned.rateLimits).toMatchObject({ windowMs: 60_000, check: { perUser: 3, perTenant: 5 } });
  });

  it.each([
    ['EC_CLIENT_ID', undefined, /EC_CLIENT_ID is required/],
    ['EC_CLIENT_ID', 'not-a-guid', /EC_CLIENT_ID is invalid: must be a GUID/],
    ['EC_KEY_VAULT_URL', 'http://vault.local', /EC_KEY_VAULT_URL is invalid: must be an https:\/\/ URL/],
    ['EC_APP_KEY_FILE', '/nonexistent/key.pem', /EC_APP_KEY_FILE names a file that cannot be read/],
    ['EC_DANGEROUSLY_ALLOW_PRIVATE_EWS_HOSTS', 'yes', /EC_DANGEROUSLY_ALLOW_PRIVATE_EWS_HOSTS is invalid/],
    ['EC_TLS_CERT_FILE', '/tmp/x.pem', /EC_TLS_KEY_FILE is required with its pair/],
    // Production refuses to start without the key every instance shares.
    ['EC_SEALING_KEY_FILE', undefined, /EC_SEALING_KEY_FILE is required/],
    [
      'EC_DANGEROUSLY_RESOLVE_HOSTS',
      'mail.fabrikam.com=sandbox:443',
      /EC_DANGEROUSLY_RESOLVE_HOSTS is invalid/,
    ],
    [
      'EC_DANGEROUSLY_RESOLVE_HOSTS',
      'mail.fabrikam.com',
      /EC_DANGEROUSLY_RESOLVE_HOSTS is invalid: "mail.fabrikam.com" is not host=ip:port/,
    ],
    [
      'EC_DANGEROUSLY_SKIP_KEY_VAULT_RESOURCE_CHECK',
      'on',
      /EC_DANGEROUSLY_SKIP_KEY_VAULT_RESOURCE_CHECK is invalid/,
    ],
    ['EC_RATE_LIMIT_VERIFY_PER_USER', '0', /EC_RATE_LIMIT_VERIFY_PER_USER is invalid/],
    [
      'EC_SEALING_PREVIOUS_KEY_FILE',
      '/nonexistent/old-sealing.pem',
      /EC_SEALING_PREVIOUS_KEY_FILE names a file that cannot be read/,
    ],
    ['EC_RATE_LIMIT_WINDOW_SECONDS', 'soon', /EC_RATE_LIMIT_WINDOW_SECONDS is invalid/],
  ])('refuses %s=%s with a message naming the variable', (name, value, message) => {
    const env = { ...validEnv(), [name]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('retention and the publisher contact', () => {
  it('defaults to 90 days of traces, a year of audit, 90 days of alerts, 30 of health results, no contact', () => {
    const config = loadConfig(validEnv());
    expect(config.retention).toEqual({ traceDays: 90, auditDays: 365, alertDays: 90, healthResultDays: 30 });
    expect(config.publisherContact).toBeUndefined();
  });

  it('reads each limit and the contact from the environment', () => {
    const config = loadConfig({
      ...validEnv(),
      EC_RETENTION_TRACE_DAYS: '30',
      EC_RETENTION_AUDIT_DAYS: '730',
      EC_RETENTION_ALERT_DAYS: '14',
      EC_RETENTION_HEALTH_RESULT_DAYS: '7',
      EC_PUBLISHER_CONTACT: ' privacy@publisher.example ',
    });
    expect(config.retention).toEqual({ traceDays: 30, auditDays: 730, alertDays: 14, healthResultDays: 7 });
    expect(config.publisherContact).toBe('privacy@publisher.example');
  });

  it.each([
    ['EC_RETENTION_TRACE_DAYS', '0'],
    ['EC_RETENTION_AUDIT_DAYS', '1.5'],
    ['EC_RETENTION_ALERT_DAYS', 'forever'],
    ['EC_RETENTION_HEALTH_RESULT_DAYS', '3651'],
    ['EC_PUBLISHER_CONTACT', 'x'.repeat(201)],
  ])('refuses a bad %s with a message naming it', (name, value) => {
    expect(() => loadConfig({ ...validEnv(), [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });
});

describe('admin recognition', () => {
  it('counts a Global Admin’s tab visit for 30 days unless EC_ADMIN_RECOGNITION_DAYS says otherwise', () => {
    expect(loadConfig(validEnv()).adminRecognitionDays).toBe(30);
    expect(loadConfig({ ...validEnv(), EC_ADMIN_RECOGNITION_DAYS: '7' }).adminRecognitionDays).toBe(7);
  });

  it.each(['0', '2.5', '366', 'forever'])('refuses EC_ADMIN_RECOGNITION_DAYS=%s naming it', (value) => {
    expect(() => loadConfig({ ...validEnv(), EC_ADMIN_RECOGNITION_DAYS: value })).toThrow(
      /EC_ADMIN_RECOGNITION_DAYS is invalid/,
    );
  });
});
