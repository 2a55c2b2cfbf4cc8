/** What every sandbox service shares: the seed, mutable tenant state, the signer and each other's URLs. */
import type { Seed } from './seed';
import type { DirectoryState } from './directory';
import type { ExchangeState } from './exchange-state';
import type { FaultInjector } from './faults';
import type { TokenIssuer } from './token-issuer';
import type { SeedIndex } from './seed-index';

/** One origin per Microsoft service, as in production (login.microsoftonline.com, outlook.office365.com, …). */
export interface SandboxUrls {
  /** Teams host page and the `/_sandbox` control API. */
  home: string;
  /** Entra ID (login.microsoftonline.com). */
  entra: string;
  /** Exchange Online EWS (outlook.office365.com) for every Exchange Online organisation (picked by the token's `tid`). */
  exchangeOnline: string;
  /** Exchange Server (mail.fabrikam.com): EWS and Autodiscover for the on-premises organisations (picked by host or account). */
  exchangeServer: string;
  /** Azure Key Vault (<vault>.vault.azure.net). */
  keyVault: string;
  /** Bot Framework connector (smba.trafficmanager.net/teams). */
  connector: string;
  /** Microsoft Graph (graph.microsoft.com): calendars and Places of the Exchange Online organisations. */
  graph: string;
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
  graph: 44306,
};

export interface SandboxContext {
  readonly seed: Seed;
  /** O(1) lookups over the seed (tenants, users, mailboxes, room lists). */
  readonly index: SeedIndex;
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
