/**
 * Builds the app's object graph from its configuration: one adapter per Microsoft service, the
 * store, and the use cases on top. The only place that knows which adapter serves which port.
 */
import type { AppConfig } from '../../api/src/config';
import { logUnexpected, type Logger } from '../../api/src/logger';
import { MsalAppTokenProvider } from '../../api/src/identity/msal-token-provider';
import { JoseSsoTokenValidator, ssoValidatorOptions } from '../../api/src/identity/sso-validator';
import {
  completeAdminConsent,
  rebuildAdminConsentUrl,
  startAdminConsent,
} from '../../api/src/identity/admin-consent';
import type { AdminConsentFlow } from '../../api/src/identity/port';
import { EwsGateway, ewsProtocol } from '../../api/src/exchange/ews-gateway';
import type { ConnectionDeps } from '../../api/src/exchange/open-connection';
import { graphProtocol } from '../../api/src/exchange/graph-mailbox-access';
import { PoxAutodiscoverClient } from '../../api/src/exchange/autodiscover';
import { OutboundPolicy } from '../../api/src/outbound/policy';
import { throttleRetry } from '../../api/src/exchange/retry-policy';
import { KeyVaultSecretVault } from '../../api/src/secrets/key-vault-secret-vault';
import { JwePasswordSealer } from '../../api/src/secrets/password-sealer';
import { vaultCredential } from '../../api/src/secrets/vault-credential';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import { openPostgresStore } from '../../api/src/store/postgres/postgres-store';
import type { IntegrationStore } from '../../api/src/store/port';
import { IntegrationService } from '../../api/src/integrations/service';
import type { VerificationDeps } from '../../api/src/integrations/verification';
import {
  recoverInterruptedVerifications,
  type RecoveryOutcome,
} from '../../api/src/integrations/interrupted-verifications';
import { statusReader } from '../../api/src/status/read-status';
import type { StatusReader } from '../../api/src/status/port';
import { resolveTenantId } from '../../api/src/identity/tenant-discovery';
import { createMsalNetworkClient } from '../../api/src/identity/network-client';
import {
  createHealthScheduler,
  createJobHealthScheduler,
  type HealthMonitoringDeps,
} from '../../api/src/health/create-scheduler';
import type { HealthScheduling } from '../../api/src/health/scheduling-port';
import { createBot, type Bot } from '../../bot/src/create-bot';
import { DAY_MS, RetentionJob } from '../../api/src/retention/retention-job';
import { AdminRecognition } from '../../api/src/identity/admin-recognition';
import { botTokenSource } from './bot-token-source';

export interface AppGraph {
  config: AppConfig;
  log: Logger;
  store: IntegrationStore;
  tokens: MsalAppTokenProvider;
  exchange: EwsGateway;
  validator: JoseSsoTokenValidator;
  sealer: JwePasswordSealer;
  /** Entra's consent URL rebuilt from a stored state, for the consent start page. */
  consentUrlFor(state: string): Promise<string | undefined>;
  service: IntegrationService;
  /** What verification needs; the CLI swaps the vault for a password given on stdin. */
  verification: VerificationDeps;
  autodiscover: PoxAutodiscoverClient;
  /** A tenant named by its id or a verified domain, as its id (Entra's OpenID discovery). */
  resolveTenant(name: string): Promise<string>;
  /** A tenant's one status as of now: what the tab, the bot and the CLI show. */
  readStatus: StatusReader;
  /** Re-checks connected integrations; started by the server, not by the CLI. */
  health: HealthScheduling;
  /** The alert bot: `/api/messages` and the outbox notifier. */
  bot: Bot;
  /** Global Admins seen in the tab (the API records them), whom the bot serves. */
  admins: AdminRecognition;
  /** Deletes records past their retention (EC_RETENTION_*); started by the server, not by the CLI. */
  retention: RetentionJob;
  /** Resolves integrations a stopped or crashed instance left `verifying`; run by the server at start. */
  recoverInterruptedVerifications(signal?: AbortSignal): Promise<RecoveryOutcome[]>;
  close(): Promise<void>;
}

/** The one outbound policy of the process, from the configuration's trust and development switches. */
export function outboundPolicyFor(config: AppConfig): OutboundPolicy {
  return new OutboundPolicy({
    ...(config.caPem ? { caPem: config.caPem } : {}),
    dangerouslyAllowPrivateHosts: config.dangerouslyAllowPrivateEwsHosts,
    dangerouslyResolveHosts: config.dangerouslyResolveHosts,
    dangerouslySkipKeyVaultResourceCheck: config.dangerouslySkipKeyVaultResourceCheck,
  });
}

/**
 * The store the configuration names: PostgreSQL with EC_DATABASE_URL (several instances share it),
 * otherwise the SQLite file (one instance; the zero-configuration default).
 */
export async function openStore(config: AppConfig): Promise<IntegrationStore> {
  return config.databaseUrl
    ? openPostgresStore({ connectionString: config.databaseUrl.reveal() })
    : openSqliteStore({ file: config.databaseFile });
}

/** The object graph on the store the configuration names (see openStore). */
export async function openAppGraph(
  config: AppConfig,
  log: Logger,
  now: () => number = Date.now,
): Promise<AppGraph> {
  const store = await openStore(config);
  try {
    return buildAppGraph(config, log, now, store);
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The object graph on `store`; without one, on the SQLite file (synchronous, for the CLI and tests).
 * With EC_DATABASE_URL use openAppGraph, which opens PostgreSQL first.
 */
export function buildAppGraph(
  config: AppConfig,
  log: Logger,
  now: () => number = Date.now,
  openedStore?: IntegrationStore,
): AppGraph {
  if (!openedStore && config.databaseUrl) {
    throw new Error('EC_DATABASE_URL is set: open the graph with openAppGraph, which opens PostgreSQL.');
  }
  const store = openedStore ?? openSqliteStore({ file: config.databaseFile });
  const policy = outboundPolicyFor(config);
  const tokens = new MsalAppTokenProvider(config, { policy });
  const exchange = new EwsGateway({
    appId: config.clientId,
    policy,
    retry: throttleRetry({ maxRetries: 2 }),
  });
  const autodiscover = new PoxAutodiscoverClient({ appId: config.clientId, policy });
  const vault = new KeyVaultSecretVault({
    vaultUrl: config.keyVaultUrl,
    credential: vaultCredential(
      config.keyVaultAuth.kind === 'app-certificate'
        ? { kind: 'app-certificate', source: tokens, tenantId: config.keyVaultAuth.tenantId }
        : config.keyVaultAuth,
    ),
    policy,
    logger: log,
  });
  const sealer = new JwePasswordSealer({
    keyPem: config.sealingKeyPem,
    ...(config.sealingPreviousKeyPem ? { previousKeyPem: config.sealingPreviousKeyPem } : {}),
    nonces: store,
    now,
  });
  const settings = {
    authorityHost: config.authorityHost,
    clientId: config.clientId,
    publicUrl: config.publicUrl,
  };
  const consent: AdminConsentFlow = {
    start: (user, protocol) => startAdminConsent(store, settings, user, new Date(now()), protocol),
    complete: (query) =>
      completeAdminConsent({ store, tokens, appId: config.clientId, now: () => new Date(now()) }, query),
  };
  // One way to open an Exchange connection, for verification and health alike.
  const connections: ConnectionDeps = {
    appId: config.clientId,
    exchangeOnlineEwsUrl: config.exchangeOnlineEwsUrl,
    graphUrl: config.graphUrl,
    tokens,
    vault,
    protocols: {
      ews: ewsProtocol(exchange),
      graph: graphProtocol({ appId: config.clientId, policy }),
    },
    now,
    reportUnexpected: (error) => logUnexpected(log, error, 'unexpected error in an Exchange connection'),
    checkEndpoint: async (url) => {
      await policy.assertCredentialsMayGoTo(url, { appId: config.clientId, ewsUrl: url });
    },
  };
  const verification: VerificationDeps = {
    ...connections,
    verificationDeadlineMs: config.verificationDeadlineMs,
  };
  const service = new IntegrationService({
    ...verification,
    store,
    sealer,
    autodiscover,
    consent,
    pendingWindowMs: config.pendingWindowMs,
    // A verified connection refreshes its health at once, so the two never tell different stories.
    refreshHealth: async (tenantId) => {
      await health.checkNow(tenantId);
    },
  });
  const validator = new JoseSsoTokenValidator({ ...ssoValidatorOptions(config, policy), now });
  const onHealthError = (error: unknown) => log.error({ err: error }, 'health check run failed');
  const monitoring: HealthMonitoringDeps = {
    ...connections,
    store,
    appCertificatePem: config.appCertificate.certPem,
    clock: () => new Date(now()),
    intervalMs: config.healthIntervalMs,
  };
  const historyRetentionMs = config.retention.healthResultDays * DAY_MS;
  // PostgreSQL: any number of instances, jobs on pg-boss. SQLite: this process alone, in-process.
  const health: HealthScheduling = config.databaseUrl
    ? createJobHealthScheduler({
        ...monitoring,
        connectionString: config.databaseUrl.reveal(),
        leaseMs: config.healthLeaseMs,
        concurrency: config.healthConcurrency,
        historyRetentionMs,
        onError: onHealthError,
      })
    : createHealthScheduler({
        ...monitoring,
        scheduler: {
          leaseMs: config.healthLeaseMs,
          concurrency: config.healthConcurrency,
          historyRetentionMs,
          onError: onHealthError,
        },
      });
  const readStatus = statusReader(store, { appId: config.clientId, clock: () => new Date(now()) });
  const discovery = {
    authorityHost: config.authorityHost,
    appId: config.clientId,
    transport: createMsalNetworkClient(policy),
  };
  const admins = new AdminRecognition({
    store,
    recognitionDays: config.adminRecognitionDays,
    clock: () => new Date(now()),
    log,
  });
  const bot = createBot({
    settings: {
      auth: {
        mode: 'app',
        appId: config.botAppId,
        tokens: botTokenSource(config, { policy }),
        endpoints: {
          loginAuthority: config.bot.loginAuthority,
          oauthScope: 'https://api.botframework.com',
          openIdMetadataUrl: config.bot.openIdMetadataUrl,
          tokenIssuer: 'https://api.botframework.com',
        },
      },
      tab: config.teamsTab,
    },
    store,
    readStatus,
    checkNow: (tenantId) => health.checkNow(tenantId),
    admins,
    log,
    clock: () => new Date(now()),
  });
  const retention = new RetentionJob({
    store,
    settings: config.retention,
    clock: () => new Date(now()),
    onPruned: (deleted) => log.info({ deleted }, 'retention pass done'),
    onError: (error, kind) => log.error({ err: error, kind }, 'retention pass failed'),
  });
  return {
    config,
    log,
    store,
    tokens,
    exchange,
    validator,
    sealer,
    consentUrlFor: (state) => rebuildAdminConsentUrl(store, settings, state, new Date(now())),
    service,
    verification,
    autodiscover,
    resolveTenant: (name) => resolveTenantId(discovery, name),
    readStatus,
    health,
    bot,
    admins,
    retention,
    recoverInterruptedVerifications: (signal) =>
      recoverInterruptedVerifications({
        store,
        service,
        now,
        verificationDeadlineMs: config.verificationDeadlineMs,
        onError: (error, integration) =>
          log.error(
            { err: error, tenantId: integration.tenantId, integrationId: integration.id },
            'recovering an interrupted verification failed',
          ),
        ...(signal ? { signal } : {}),
      }),
    close: async () => {
      await retention.stop();
      await bot.notifier.stop();
      await health.stop();
      await store.close();
      policy.close();
    },
  };
}
