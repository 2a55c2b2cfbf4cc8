/** What every sandbox service shares: the seed, mutable tenant state, the signer and each other's URLs. */
import type { Seed } from './seed';
import type { DirectoryState } from './directory';
import type { ExchangeState } from './exchange-state';
import type { FaultInjector } from './faults';
import type { TokenIssuer } from './token-issuer';

/** One origin per Microsoft service, as in production (login.microsoftonline.com, outlook.office365.com, …). */
export interface SandboxUrls {
  /** Teams host page and the `/_sandbox` control API. */
  home: string;
  /** Entra ID (login.microsoftonline.com). */
  entra: string;
  /** Exchange Online EWS (outlook.office365.com) for the Modern Authentication organisation. */
  exchangeOnline: string;
  /** Exchange Server (mail.fabrikam.com): EWS and Autodiscover for the Basic Authentication organisation. */
  exchangeServer: string;
  /** Azure Key Vault (<vault>.vault.azure.net). */
  keyVault: string;
  /** Bot Framework connector (smba.trafficmanager.net/teams). */
  connector: string;
}

export type SandboxServiceName = keyof SandboxUrls;

/** The ports `npm run sandbox` listens on (tests use ephemeral ones). */
export const DEFAULT_SANDBOX_PORTS: Record<SandboxServiceName, number> = {
  home: 44300,
  entra: 44301,
  exchangeOnline: 44302,
  exchangeServer: 44303,
  keyVault: 44304,
  connector: 44305,
};

export interface SandboxContext {
  readonly seed: Seed;
  readonly directory: DirectoryState;
  readonly exchange: ExchangeState;
  readonly faults: FaultInjector;
  readonly tokens: TokenIssuer;
  readonly urls: SandboxUrls;
  readonly caCertPem: string;
  /** Where the app listens: redirect URIs and the bot endpoint (`/api/messages`) derive from it. */
  appBaseUrl: string;
  now(): number;
}
