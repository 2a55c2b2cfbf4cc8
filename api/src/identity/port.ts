import type { Diagnostic } from '../errors';

/** What the use cases need from Entra ID, independent of msal-node and jose. */

export interface AppToken {
  accessToken: string;
  expiresOn: Date;
  /** App roles the token carries (read from its payload; Exchange verifies them, we report them). */
  roles: string[];
  /** Our service principal's object id in the customer's tenant (the token's `oid`), if readable. */
  servicePrincipalId?: string;
}

/** Which Microsoft API a token is for: Exchange Online's EWS, or Microsoft Graph. */
export type TokenApi = 'ews' | 'graph';

export interface AppTokenProvider {
  /** An app-only token for `api` in `tenantId`; throws ExchangeConnectError. */
  getAppToken(tenantId: string, api: TokenApi, options?: { forceRefresh?: boolean }): Promise<AppToken>;
}

/** The signed-in Teams user, from a validated SSO token. */
export interface SignedInUser {
  tenantId: string;
  /** Entra object id. */
  oid: string;
  upn: string;
  name?: string;
  isGlobalAdmin: boolean;
}

export interface SsoTokenValidator {
  /** Validates signature, exact issuer for the token's tenant, audience and lifetime. */
  validate(token: string): Promise<SignedInUser>;
}

/** Any app-only access token for a scope in a tenant (Key Vault's credential is built on it). */
export interface AccessTokenSource {
  getAccessToken(scope: string, tenantId: string): Promise<{ token: string; expiresOnTimestamp: number }>;
}

/** The admin-consent round trip (Entra's /adminconsent and our callback). */
export interface AdminConsentFlow {
  /** A consent URL for the user's own tenant with a fresh single-use `state` bound to the user. */
  start(user: SignedInUser, protocol: TokenApi): Promise<{ consentUrl: string; expiresAt: string }>;
  /** Handles Entra's redirect; throws ConsentStateError for a missing, unknown, used or expired state. */
  complete(query: Record<string, string | undefined>): Promise<ConsentCompletion>;
}

export type ConsentOutcome = 'granted' | 'declined' | 'failed';

export interface ConsentCompletion {
  /** Always the tenant bound to `state`, never the callback's `tenant` parameter. */
  tenantId: string;
  userId: string;
  upn: string;
  /** Which API's permissions were granted (from the state). */
  protocol: 'graph' | 'ews';
  /** True only when Entra issued an app-only Exchange token for the tenant after the grant. */
  consented: boolean;
  /** What Entra answered: granted, or the admin cancelled, or it failed. */
  outcome: ConsentOutcome;
  /** Why it is not (fully) done: a failure, or a grant whose role has not reached tokens yet. */
  diagnostic?: Diagnostic;
  /** Roles of the verifying token; empty while the grant replicates. */
  roles?: string[];
  /** The `tenant` Entra reported, kept for the audit entry only. */
  reportedTenant?: string;
}
