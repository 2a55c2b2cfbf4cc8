/**
 * Starts the sandbox tenant: one HTTPS origin per Microsoft service, all sharing one state.
 * Ports default to 0 (ephemeral) so tests run side by side; `npm run sandbox` uses fixed ports.
 */
import express from 'express';
import { DirectoryState } from './directory';
import { ExchangeState } from './exchange-state';
import { FaultInjector } from './faults';
import { TokenIssuer } from './token-issuer';
import { listenHttps, type Listener, type TlsMaterial } from './https-server';
import { loadSeed, type Seed } from './seed';
import {
  DEFAULT_SANDBOX_PORTS,
  type SandboxContext,
  type SandboxServiceName,
  type SandboxUrls,
} from './context';

export { DEFAULT_SANDBOX_PORTS };
import { createEntraApp } from './entra/app';
import { createEwsApp } from './ews/app';
import { createKeyVaultApp } from './keyvault/app';
import { createConnectorApp } from './connector/app';
import { createHomeApp } from './home/app';
import { createGraphApp } from './graph/app';
import { SeedIndex } from './seed-index';
import { GRAPH_APP_ID } from './entra/app-roles';

export const DEFAULT_APP_BASE_URL = 'https://localhost:53000';

export interface SandboxOptions {
  tls: TlsMaterial & { caCertPem: string };
  /** Certificates registered on our app registration and on the bot's (PEM). */
  appCertificatePems: string[];
  seed?: Seed;
  ports?: Partial<Record<SandboxServiceName, number>>;
  /** Milliseconds between admin consent and tokens carrying the role (Entra replication). */
  consentPropagationMs?: number;
  /** Milliseconds before a new RBAC for Applications role assignment takes effect (default 5 s). */
  rbacPropagationMs?: number;
  /**
   * Whether our app registration requests its Microsoft Graph permissions (tenant.json lists them).
   * On by default, as the app registration does; off models the registration before Graph
   * (Exchange only), where a Graph scope is AADSTS70011. The control API can switch it too.
   */
  appRequestsGraph?: boolean;
  appBaseUrl?: string;
  now?: () => number;
}

export interface Sandbox {
  readonly urls: SandboxUrls;
  readonly context: SandboxContext;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const seed = options.seed ?? loadSeed();
  const now = options.now ?? Date.now;
  const names = Object.keys(DEFAULT_SANDBOX_PORTS) as SandboxServiceName[];
  const listeners: Partial<Record<SandboxServiceName, Listener>> = {};
  try {
    for (const name of names) listeners[name] = await listenHttps(options.tls, options.ports?.[name] ?? 0);
  } catch (error) {
    await Promise.all(Object.values(listeners).map((l) => l.close()));
    throw error;
  }
  const urls = Object.fromEntries(names.map((n) => [n, listeners[n]!.url])) as unknown as SandboxUrls;

  const index = new SeedIndex(seed);
  const registered = seed.app.requiredResourceAccess.map((r) => r.resourceAppId);
  const requested =
    (options.appRequestsGraph ?? true) ? registered : registered.filter((id) => id !== GRAPH_APP_ID);
  const directory = new DirectoryState(seed, options.consentPropagationMs ?? 0, now, index, requested);
  // The bot signs in with the same certificate credential as the app in the sandbox.
  for (const pem of options.appCertificatePems) {
    directory.registerCertificate(pem, seed.app.clientId);
    directory.registerCertificate(pem, seed.bot.appId);
  }
  const context: SandboxContext = {
    seed,
    index,
    directory,
    exchange: new ExchangeState(seed, index, { now, rbacPropagationMs: options.rbacPropagationMs ?? 5000 }),
    faults: new FaultInjector(),
    tokens: await TokenIssuer.create(),
    urls,
    caCertPem: options.tls.caCertPem,
    appBaseUrl: options.appBaseUrl ?? DEFAULT_APP_BASE_URL,
    now,
  };

  const apps: Record<SandboxServiceName, express.Express> = {
    home: createHomeApp(context),
    entra: createEntraApp(context),
    exchangeOnline: createEwsApp(context, 'online'),
    exchangeServer: createEwsApp(context, 'server'),
    keyVault: createKeyVaultApp(context),
    connector: createConnectorApp(context),
    graph: createGraphApp(context),
  };
  for (const name of names) listeners[name]!.handle(apps[name]);

  return {
    urls,
    context,
    close: async () => {
      context.faults.releaseDelays();
      await Promise.all(Object.values(listeners).map((l) => l.close()));
    },
  };
}
