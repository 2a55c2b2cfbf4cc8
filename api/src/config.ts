/**
 * The one configuration object, read from the environment and validated at start-up. A bad value
 * stops the process with a message naming the variable. Sandbox and production differ only here.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from './errors';
import { hostMapFrom, type HostMap } from './outbound/host-mapping';
import { DEFAULT_RETENTION, type RetentionSettings } from './retention/retention-job';
import { DEFAULT_ADMIN_RECOGNITION_DAYS } from './identity/admin-recognition';

const httpsUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const guid = z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a GUID');

/** Parsed without echoing the value: a message that quoted it could carry the password. */
function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'postgres:' || url.protocol === 'postgresql:') &&
      url.hostname !== '' &&
      url.pathname.length > 1
    );
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL connection URL, which may carry a password. It shows itself masked everywhere a
 * value can end up in a log line or a message (JSON, String(), util.inspect); only the store and the
 * job engine ask for the real string. The logger's redaction goes by path and would not catch it.
 */
export class DatabaseUrl {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }
  /** The URL to connect with: hand it to the driver, never to a logger. */
  reveal(): string {
    return this.#url;
  }
  /** The URL with the password (if any) replaced. */
  masked(): string {
    const url = new URL(this.#url);
    if (url.password) url.password = 'redacted';
    return url.toString();
  }
  toString(): string {
    return this.masked();
  }
  toJSON(): string {
    return this.masked();
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DatabaseUrl(${this.masked()})`;
  }
}

/** A request count of an abuse limit. */
const allowance = z.coerce.number().int().min(1).max(100_000);

/**
 * Abuse limits (api/src/http/rate-limit.ts): how many requests a Global Admin, and all of a
 * tenant's admins together, may make per window before a 429. Kept per instance, in memory.
 */
const rateLimitEnvSchema = {
  EC_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Verify, connect with Basic, update the password: each runs a verification against Exchange. */
  EC_RATE_LIMIT_VERIFY_PER_USER: allowance.default(20),
  EC_RATE_LIMIT_VERIFY_PER_TENANT: allowance.default(40),
  /** Run the health checks now. */
  EC_RATE_LIMIT_CHECK_PER_USER: allowance.default(10),
  EC_RATE_LIMIT_CHECK_PER_TENANT: allowance.default(20),
  /** Admin-consent starts and sealing nonces (single-use states we store). */
  EC_RATE_LIMIT_START_PER_USER: allowance.default(20),
  EC_RATE_LIMIT_START_PER_TENANT: allowance.default(40),
} as const;

export interface RateLimitRule {
  perUser: number;
  perTenant: number;
}

/** One allowance per kind of work; each allows its numbers per window. */
export interface RateLimitSettings {
  windowMs: number;
  /** Verifications: verify, connect with Basic, password update (each runs one against Exchange). */
  verify: RateLimitRule;
  /** Health checks run now. */
  check: RateLimitRule;
  /** Single-use server state handed out: admin-consent starts, sealing nonces. */
  start: RateLimitRule;
}

/** Environment variable → schema. Optional ones have production defaults. */
const envSchema = {
  EC_PUBLIC_URL: httpsUrl,
  EC_PORT: z.coerce.number().int().min(0).max(65535).default(53000),
  EC_TLS_CERT_FILE: z.string().optional(),
  EC_TLS_KEY_FILE: z.string().optional(),
  EC_CA_FILE: z.string().optional(),
  EC_CLIENT_ID: guid,
  EC_APP_CERT_FILE: z.string(),
  EC_APP_KEY_FILE: z.string(),
  EC_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
  EC_EXCHANGE_ONLINE_EWS_URL: httpsUrl.default('https://outlook.office365.com/EWS/Exchange.asmx'),
  /** Microsoft Graph's service root (national clouds have their own). */
  EC_GRAPH_URL: httpsUrl.default('https://graph.microsoft.com'),
  EC_KEY_VAULT_URL: httpsUrl,
  EC_DATABASE_FILE: z.string().default('exchange-connect.db'),
  /**
   * postgres://user:password@host:port/db?sslmode=require — PostgreSQL instead of the SQLite file,
   * so several instances share one database (health checks then run on the pg-boss job engine).
   */
  EC_DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL with a host and a database')
    .optional(),
  EC_BOT_APP_ID: guid,
  /** Where the bot gets its connector token: Entra's authority for the bot's own tenant. */
  EC_BOT_LOGIN_AUTHORITY: httpsUrl.default('https://login.microsoftonline.com/botframework.com'),
  /** The Bot Framework channel's signing keys. */
  EC_BOT_OPENID_METADATA_URL: httpsUrl.default(
    'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ),
  /**
   * The bot serves Global Admins who opened the tab within this many days (their SSO token proved
   * the role): a demoted admin stops receiving alerts and using commands once it has passed.
   */
  EC_ADMIN_RECOGNITION_DAYS: z.coerce.number().int().min(1).max(365).default(DEFAULT_ADMIN_RECOGNITION_DAYS),
  /** The Teams app id and the wizard tab's entityId, for the bot's "Open Exchange Connect" deep link. */
  EC_TEAMS_APP_ID: guid,
  EC_TAB_ENTITY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('connect'),
  EC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Lets credentials go to loopback/private EWS hosts: development against the sandbox only. */
  EC_DANGEROUSLY_ALLOW_PRIVATE_EWS_HOSTS: flag.default(false),
  /**
   * `host=ip:port,…`: where Autodiscover and EWS connect for a host name (TLS still checks the name;
   * a URL's own port wins). Development only: it is how the sandbox's fabrikam.com is reached.
   */
  EC_DANGEROUSLY_RESOLVE_HOSTS: z.string().default(''),
  /** Lets Key Vault live outside Azure's vault domains (the sandbox's): turns the SDK's resource check off. */
  EC_DANGEROUSLY_SKIP_KEY_VAULT_RESOURCE_CHECK: flag.default(false),
  /** Teams host origins teams-js must accept besides Microsoft's own (the sandbox Teams host). */
  EC_TEAMS_HOST_ORIGINS: z.string().default(''),
  /** How the app reaches Key Vault: its managed identity (Azure) or its certificate (elsewhere). */
  EC_KEY_VAULT_AUTH: z.enum(['managed-identity', 'app-certificate']).default('managed-identity'),
  EC_KEY_VAULT_MANAGED_IDENTITY_CLIENT_ID: guid.optional(),
  /** The tenant of our app registration and vault (required with EC_KEY_VAULT_AUTH=app-certificate). */
  EC_PUBLISHER_TENANT_ID: guid.optional(),
  /**
   * RSA private key (≥ 3072 bits) the tab seals passwords to. Required: every instance must hold
   * the same key, and a key made up at start would be lost with the process.
   */
  EC_SEALING_KEY_FILE: z.string(),
  /**
   * The sealing key being rotated out: passwords sealed to it (by a tab that fetched the key before
   * the switch) still open. Set it to the old EC_SEALING_KEY_FILE for the rotation, then remove it.
   */
  EC_SEALING_PREVIOUS_KEY_FILE: z.string().optional(),
  /**
   * Retention, in days: verification traces (each integration's newest is kept), audit rows,
   * delivered alerts with their deliveries, health check results. /privacy shows these values.
   */
  EC_RETENTION_TRACE_DAYS: retentionDays(DEFAULT_RETENTION.traceDays),
  EC_RETENTION_AUDIT_DAYS: retentionDays(DEFAULT_RETENTION.auditDays),
  EC_RETENTION_ALERT_DAYS: retentionDays(DEFAULT_RETENTION.alertDays),
  EC_RETENTION_HEALTH_RESULT_DAYS: retentionDays(DEFAULT_RETENTION.healthResultDays),
  /** How customers reach this deployment's publisher, shown on /privacy and /terms (an address or URL). */
  EC_PUBLISHER_CONTACT: z.string().trim().min(3).max(200).optional(),
  /** How long after consent a missing permission counts as pending rather than failed. */
  EC_PENDING_WINDOW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** Between two health checks of one integration (with jitter). */
  EC_HEALTH_INTERVAL_MINUTES: z.coerce.number().min(0.05).max(1440).default(15),
  /** Wall-clock deadline of one verification, from the endpoint check to the last room. */
  EC_VERIFICATION_DEADLINE_SECONDS: z.coerce.number().int().min(5).max(600).default(60),
  /** Room calendars one verification reads at most; an organisation with more is sampled. */
  EC_VERIFICATION_MAX_ROOMS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Health runs (each one integration) in flight at once in this process, across tenants. */
  EC_HEALTH_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  /**
   * How long a health run may hold its integration before another worker may take it over (the
   * store's lease and, on PostgreSQL, the job's expiry). Longer than the slowest run: the check
   * timeouts add up to 155 s.
   */
  EC_HEALTH_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(300),
  ...rateLimitEnvSchema,
} as const;

export type EnvName = keyof typeof envSchema;
type Env = { [K in EnvName]: z.output<(typeof envSchema)[K]> };

export interface AppConfig {
  publicUrl: string;
  port: number;
  tls?: { certPem: string; keyPem: string };
  /** Extra CA certificates trusted for outbound HTTPS (the sandbox CA in development). */
  caPem?: string;
  clientId: string;
  appCertificate: { certPem: string; keyPem: string };
  authorityHost: string;
  exchangeOnlineEwsUrl: string;
  graphUrl: string;
  keyVaultUrl: string;
  databaseFile: string;
  /** PostgreSQL instead of the SQLite file (EC_DATABASE_URL). */
  databaseUrl?: DatabaseUrl;
  botAppId: string;
  bot: { loginAuthority: string; openIdMetadataUrl: string };
  /** EC_ADMIN_RECOGNITION_DAYS */
  adminRecognitionDays: number;
  teamsTab: { teamsAppId: string; entityId: string };
  logLevel: Env['EC_LOG_LEVEL'];
  dangerouslyAllowPrivateEwsHosts: boolean;
  dangerouslyResolveHosts: HostMap;
  dangerouslySkipKeyVaultResourceCheck: boolean;
  teamsHostOrigins: string[];
  keyVaultAuth:
    { kind: 'managed-identity'; clientId?: string } | { kind: 'app-certificate'; tenantId: string };
  sealingKeyPem: string;
  sealingPreviousKeyPem?: string;
  retention: RetentionSettings;
  /** Unset: the pages say that no contact is configured. */
  publisherContact?: string;
  pendingWindowMs: number;
  healthIntervalMs: number;
  verificationDeadlineMs: number;
  maxRoomsPerVerification: number;
  healthConcurrency: number;
  healthLeaseMs: number;
  rateLimits: RateLimitSettings;
}

export class ConfigError extends AppError {
  readonly area = 'config';
  readonly reason = 'invalid_variable';

  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Configuration error: ${variable} ${detail}`);
  }
}

function parseEnv(env: NodeJS.ProcessEnv): Env {
  const out: Partial<Record<EnvName, unknown>> = {};
  for (const [name, schema] of Object.entries(envSchema) as [EnvName, z.ZodType][]) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(
        name,
        raw === undefined ? 'is required' : `is invalid: ${parsed.error.issues[0]?.message}`,
      );
    }
    out[name] = parsed.data;
  }
  return out as Env;
}

/** `host=ip:port,…` → a host map; anything else names the variable. */
function parseHostMap(variable: EnvName, raw: string): HostMap {
  const out: Record<string, string> = {};
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value, extra] = item.split('=');
    if (!key || !value || extra !== undefined || !/^[a-z0-9.-]+$/i.test(key)) {
      throw new ConfigError(variable, `is invalid: "${item}" is not host=ip:port`);
    }
    out[key.toLowerCase()] = value;
  }
  try {
    return hostMapFrom(out);
  } catch (error) {
    throw new ConfigError(variable, `is invalid: ${(error as Error).message}`);
  }
}

function parseOrigins(variable: EnvName, raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((origin) => {
      const parsed = httpsUrl.safeParse(origin);
      if (!parsed.success || new URL(parsed.data).origin !== parsed.data) {
        throw new ConfigError(variable, `is invalid: "${origin}" is not an https origin`);
      }
      return parsed.data;
    });
}

function keyVaultAuth(e: Env): AppConfig['keyVaultAuth'] {
  if (e.EC_KEY_VAULT_AUTH === 'managed-identity') {
    const clientId = e.EC_KEY_VAULT_MANAGED_IDENTITY_CLIENT_ID;
    return clientId ? { kind: 'managed-identity', clientId } : { kind: 'managed-identity' };
  }
  if (!e.EC_PUBLISHER_TENANT_ID)
    throw new ConfigError('EC_PUBLISHER_TENANT_ID', 'is required with EC_KEY_VAULT_AUTH=app-certificate');
  return { kind: 'app-certificate', tenantId: e.EC_PUBLISHER_TENANT_ID.toLowerCase() };
}

function readFile(variable: EnvName, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(variable, `names a file that cannot be read: ${file}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(env);
  if (Boolean(e.EC_TLS_CERT_FILE) !== Boolean(e.EC_TLS_KEY_FILE)) {
    throw new ConfigError(
      e.EC_TLS_CERT_FILE ? 'EC_TLS_KEY_FILE' : 'EC_TLS_CERT_FILE',
      'is required with its pair',
    );
  }
  // The file has a default, so only a file named on purpose conflicts with a URL.
  if (e.EC_DATABASE_URL && env.EC_DATABASE_FILE) {
    throw new ConfigError(
      'EC_DATABASE_URL',
      'cannot be set together with EC_DATABASE_FILE: choose one database',
    );
  }
  return {
    publicUrl: e.EC_PUBLIC_URL,
    port: e.EC_PORT,
    ...(e.EC_TLS_CERT_FILE && e.EC_TLS_KEY_FILE
      ? {
          tls: {
            certPem: readFile('EC_TLS_CERT_FILE', e.EC_TLS_CERT_FILE),
            keyPem: readFile('EC_TLS_KEY_FILE', e.EC_TLS_KEY_FILE),
          },
        }
      : {}),
    ...(e.EC_CA_FILE ? { caPem: readFile('EC_CA_FILE', e.EC_CA_FILE) } : {}),
    clientId: e.EC_CLIENT_ID.toLowerCase(),
    appCertificate: {
      certPem: readFile('EC_APP_CERT_FILE', e.EC_APP_CERT_FILE),
      keyPem: readFile('EC_APP_KEY_FILE', e.EC_APP_KEY_FILE),
    },
    authorityHost: e.EC_AUTHORITY_HOST,
    exchangeOnlineEwsUrl: e.EC_EXCHANGE_ONLINE_EWS_URL,
    graphUrl: e.EC_GRAPH_URL,
    keyVaultUrl: e.EC_KEY_VAULT_URL,
    databaseFile: e.EC_DATABASE_FILE,
    ...(e.EC_DATABASE_URL ? { databaseUrl: new DatabaseUrl(e.EC_DATABASE_URL) } : {}),
    botAppId: e.EC_BOT_APP_ID.toLowerCase(),
    bot: { loginAuthority: e.EC_BOT_LOGIN_AUTHORITY, openIdMetadataUrl: e.EC_BOT_OPENID_METADATA_URL },
    adminRecognitionDays: e.EC_ADMIN_RECOGNITION_DAYS,
    teamsTab: { teamsAppId: e.EC_TEAMS_APP_ID.toLowerCase(), entityId: e.EC_TAB_ENTITY_ID },
    logLevel: e.EC_LOG_LEVEL,
    dangerouslyAllowPrivateEwsHosts: e.EC_DANGEROUSLY_ALLOW_PRIVATE_EWS_HOSTS,
    dangerouslyResolveHosts: parseHostMap('EC_DANGEROUSLY_RESOLVE_HOSTS', e.EC_DANGEROUSLY_RESOLVE_HOSTS),
    dangerouslySkipKeyVaultResourceCheck: e.EC_DANGEROUSLY_SKIP_KEY_VAULT_RESOURCE_CHECK,
    teamsHostOrigins: parseOrigins('EC_TEAMS_HOST_ORIGINS', e.EC_TEAMS_HOST_ORIGINS),
    keyVaultAuth: keyVaultAuth(e),
    sealingKeyPem: readFile('EC_SEALING_KEY_FILE', e.EC_SEALING_KEY_FILE),
    ...(e.EC_SEALING_PREVIOUS_KEY_FILE
      ? { sealingPreviousKeyPem: readFile('EC_SEALING_PREVIOUS_KEY_FILE', e.EC_SEALING_PREVIOUS_KEY_FILE) }
      : {}),
    retention: {
      traceDays: e.EC_RETENTION_TRACE_DAYS,
      auditDays: e.EC_RETENTION_AUDIT_DAYS,
      alertDays: e.EC_RETENTION_ALERT_DAYS,
      healthResultDays: e.EC_RETENTION_HEALTH_RESULT_DAYS,
    },
    ...(e.EC_PUBLISHER_CONTACT ? { publisherContact: e.EC_PUBLISHER_CONTACT } : {}),
    pendingWindowMs: e.EC_PENDING_WINDOW_SECONDS * 1000,
    healthIntervalMs: Math.round(e.EC_HEALTH_INTERVAL_MINUTES * 60_000),
    verificationDeadlineMs: e.EC_VERIFICATION_DEADLINE_SECONDS * 1000,
    maxRoomsPerVerification: e.EC_VERIFICATION_MAX_ROOMS,
    healthConcurrency: e.EC_HEALTH_CONCURRENCY,
    healthLeaseMs: e.EC_HEALTH_LEASE_SECONDS * 1000,
    rateLimits: rateLimits(e),
  };
}

function rateLimits(e: Env): RateLimitSettings {
  return {
    windowMs: e.EC_RATE_LIMIT_WINDOW_SECONDS * 1000,
    verify: { perUser: e.EC_RATE_LIMIT_VERIFY_PER_USER, perTenant: e.EC_RATE_LIMIT_VERIFY_PER_TENANT },
    check: { perUser: e.EC_RATE_LIMIT_CHECK_PER_USER, perTenant: e.EC_RATE_LIMIT_CHECK_PER_TENANT },
    start: { perUser: e.EC_RATE_LIMIT_START_PER_USER, perTenant: e.EC_RATE_LIMIT_START_PER_TENANT },
  };
}

/** Whole days, at least one and at most ten years. A declaration, so envSchema can use it above. */
function retentionDays(fallback: number) {
  return z.coerce.number().int().min(1).max(3650).default(fallback);
}
