/**
 * The app's configuration for the sandbox tenant, as environment variables: the only thing that
 * differs from a real tenant. `npm start`, the CLI's `--sandbox` and the tests all use it.
 */
import path from 'node:path';
import type { DevCertificates } from './dev-certs';
import { DEFAULT_SANDBOX_PORTS, type SandboxUrls } from '../sandbox/src/context';
import type { Seed } from '../sandbox/src/seed';
import type { EnvName } from '../api/src/config';

/** The sandbox as `npm run sandbox` starts it: fixed ports on 127.0.0.1. */
export function defaultSandboxUrls(): SandboxUrls {
  const urls = Object.fromEntries(
    Object.entries(DEFAULT_SANDBOX_PORTS).map(([name, port]) => [name, `https://127.0.0.1:${port}`]),
  );
  return urls as unknown as SandboxUrls;
}

/** TEAMS_APP_ID of env/.env.local: the sideloaded local app package. */
const LOCAL_TEAMS_APP_ID = '7b5a3746-1866-43f9-b11d-45693f4d4d64';

export const LOCAL_DATABASE_FILE = path.resolve(__dirname, '..', '.local', 'exchange-connect.db');

export function sandboxAppEnv(
  sandbox: { urls: SandboxUrls; seed: Seed },
  certs: DevCertificates,
  overrides: Partial<Record<EnvName, string>> = {},
): Partial<Record<EnvName, string>> {
  const exchangeServer = new URL(sandbox.urls.exchangeServer).host;
  const fabrikamDomains = sandbox.seed.tenants.flatMap((t) =>
    t.exchange.kind === 'server' ? t.exchange.autodiscoverDomains : [],
  );
  return {
    EC_PUBLIC_URL: 'https://localhost:53000',
    EC_PORT: '53000',
    EC_TLS_CERT_FILE: certs.paths.tlsCert,
    EC_TLS_KEY_FILE: certs.paths.tlsKey,
    EC_CA_FILE: certs.paths.caCert,
    EC_CLIENT_ID: sandbox.seed.app.clientId,
    EC_APP_CERT_FILE: certs.paths.appCert,
    EC_APP_KEY_FILE: certs.paths.appKey,
    EC_SEALING_KEY_FILE: certs.paths.sealingKey,
    EC_AUTHORITY_HOST: sandbox.urls.entra,
    EC_EXCHANGE_ONLINE_EWS_URL: `${sandbox.urls.exchangeOnline}/EWS/Exchange.asmx`,
    EC_GRAPH_URL: sandbox.urls.graph,
    EC_KEY_VAULT_URL: sandbox.urls.keyVault,
    EC_DATABASE_FILE: LOCAL_DATABASE_FILE,
    EC_BOT_APP_ID: sandbox.seed.bot.appId,
    // The bot is single-tenant in the publisher tenant; the connector serves the channel's keys.
    EC_BOT_LOGIN_AUTHORITY: `${sandbox.urls.entra}/${sandbox.seed.publisher.tenantId}`,
    EC_BOT_OPENID_METADATA_URL: `${sandbox.urls.connector}/v1/.well-known/openidconfiguration`,
    EC_TEAMS_APP_ID: LOCAL_TEAMS_APP_ID,
    EC_LOG_LEVEL: 'info',
    EC_DANGEROUSLY_ALLOW_PRIVATE_EWS_HOSTS: 'true',
    // Autodiscover looks up <domain> and autodiscover.<domain>, and answers EWS at mail.<domain>:
    // all three are the sandbox Exchange Server.
    EC_DANGEROUSLY_RESOLVE_HOSTS: fabrikamDomains
      .flatMap((d) => [
        `${d}=${exchangeServer}`,
        `autodiscover.${d}=${exchangeServer}`,
        `mail.${d}=${exchangeServer}`,
      ])
      .join(','),
    EC_TEAMS_HOST_ORIGINS: sandbox.urls.home,
    EC_DANGEROUSLY_SKIP_KEY_VAULT_RESOURCE_CHECK: 'true',
    EC_KEY_VAULT_AUTH: 'app-certificate',
    EC_PUBLISHER_TENANT_ID: sandbox.seed.publisher.tenantId,
    ...overrides,
  };
}
