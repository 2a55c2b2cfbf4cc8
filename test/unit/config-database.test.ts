/**
 * EC_DATABASE_URL: validated with a message naming the variable and never quoting the value, not
 * together with EC_DATABASE_FILE, and its password never in a log line or a message however the
 * config or the URL is logged, printed or serialised. Also the health scheduling variables.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../api/src/config';
import { captureLog } from '../support/log-capture';

const PASSWORD = 'Pg-Secret-7f3!x';
const URL_WITH_PASSWORD = `postgres://ec_app:${encodeURIComponent(PASSWORD)}@db.example.com:5432/exchange_connect?sslmode=require`;

function validEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'ec-config-db-'));
  const file = (name: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, name);
    return p;
  };
  return {
    EC_PUBLIC_URL: 'https://connect.example.com',
    EC_CLIENT_ID: '52c54a6a-55a3-4c79-a19b-df6eae6b8dda',
    EC_APP_CERT_FILE: file('app.pem'),
    EC_APP_KEY_FILE: file('app.key'),
    EC_SEALING_KEY_FILE: file('sealing.pem'),
    EC_KEY_VAULT_URL: 'https://ec-prod.vault.azure.net',
    EC_BOT_APP_ID: 'fded9f9f-3114-4fae-b9ea-3552f4a235c5',
    EC_TEAMS_APP_ID: '7b5a3746-1866-43f9-b11d-45693f4d4d64',
  };
}

describe('EC_DATABASE_URL', () => {
  it('is off by default: SQLite, the zero-configuration store', () => {
    const config = loadConfig(validEnv());
    expect(config.databaseUrl).toBeUndefined();
    expect(config.databaseFile).toBe('exchange-connect.db');
  });

  it('selects PostgreSQL and hands the driver the URL as given', () => {
    const config = loadConfig({ ...validEnv(), EC_DATABASE_URL: URL_WITH_PASSWORD });
    expect(config.databaseUrl?.reveal()).toBe(URL_WITH_PASSWORD);
  });

  it.each([
    ['mysql://u:p@db.example.com/x'],
    ['postgres://db.example.com'],
    ['not a url'],
    [`postgres//ec_app:${PASSWORD}@db.example.com/x`],
  ])('refuses %s, naming the variable and never quoting the value', (value) => {
    const env = { ...validEnv(), EC_DATABASE_URL: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /^Configuration error: EC_DATABASE_URL is invalid: must be a postgres/,
    );
    try {
      loadConfig(env);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(PASSWORD);
    }
  });

  it('cannot be combined with EC_DATABASE_FILE', () => {
    const env = { ...validEnv(), EC_DATABASE_URL: URL_WITH_PASSWORD, EC_DATABASE_FILE: '/home/data/x.db' };
    expect(() => loadConfig(env)).toThrow(/EC_DATABASE_URL cannot be set together with EC_DATABASE_FILE/);
  });

  it('keeps its password out of log lines, JSON, strings and inspection', () => {
    const config = loadConfig({ ...validEnv(), EC_DATABASE_URL: URL_WITH_PASSWORD });
    const { lines, log } = captureLog();
    log.info({ config }, 'config');
    log.info({ databaseUrl: config.databaseUrl }, 'url');
    log.error({ err: new Error(`cannot connect to ${String(config.databaseUrl)}`) }, 'error');
    const shown = [
      ...lines,
      JSON.stringify(config),
      String(config.databaseUrl),
      `${config.databaseUrl}`,
      inspect(config, { depth: 5 }),
    ];
    for (const text of shown) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
    }
    expect(lines.join('')).toContain('postgres://ec_app:redacted@db.example.com:5432/exchange_connect');
  });
});

describe('health scheduling variables', () => {
  it('defaults to 32 runs at once and a 5-minute lease', () => {
    const config = loadConfig(validEnv());
    expect(config.healthConcurrency).toBe(32);
    expect(config.healthLeaseMs).toBe(300_000);
  });

  it.each([
    ['EC_HEALTH_CONCURRENCY', '0'],
    ['EC_HEALTH_CONCURRENCY', '2.5'],
    ['EC_HEALTH_LEASE_SECONDS', '1'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadConfig({ ...validEnv(), [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });
});
