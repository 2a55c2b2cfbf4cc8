/**
 * Admin consent for Exchange Online: the v2 `/{tenant}/v2.0/adminconsent` URL with a random,
 * single-use `state` bound to the admin's SSO session (tenant, oid, upn) for 10 minutes, and the
 * callback. The tenant is always the state's, never the `tenant` query value, and consent counts
 * only once an app-only token for that tenant is issued.
 */
import { randomBytes } from 'node:crypto';
import type { Diagnostic, ErrorKind } from '../errors';
import { isExchangeConnectError } from '../errors';
import { remediationFor } from '../remediation';
import type { IntegrationStore } from '../store/port';
import { ConsentStateError } from './errors';
import { aadstsCodeIn, aadstsSentence, kindForAadsts } from './msal-errors';
import { SCOPE_OF } from './msal-token-provider';
import { requiredRoles } from '../exchange/permissions';
import type { ModernProtocol } from '../store/types';
import type { AppTokenProvider, SignedInUser, ConsentCompletion } from './port';

export const CONSENT_STATE_TTL_MS = 10 * 60 * 1000;
export const CONSENT_CALLBACK_PATH = '/auth/consent/callback';

export interface AdminConsentUrlInput {
  authorityHost: string;
  clientId: string;
  redirectUri: string;
  tenantId: string;
  state: string;
  /** Whose permissions the admin grants: Microsoft Graph's, or EWS's (legacy). */
  protocol: ModernProtocol;
}

export function buildAdminConsentUrl(input: AdminConsentUrlInput): string {
  const url = new URL(`${input.authorityHost}/${encodeURIComponent(input.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('scope', SCOPE_OF[input.protocol]);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}

export interface ConsentSettings {
  authorityHost: string;
  clientId: string;
  publicUrl: string;
}

export const consentRedirectUri = (publicUrl: string) => `${publicUrl}${CONSENT_CALLBACK_PATH}`;

/** Issues a consent URL for the signed-in admin's own tenant. */
export async function startAdminConsent(
  store: Pick<IntegrationStore, 'createConsentState'>,
  settings: ConsentSettings,
  user: SignedInUser,
  now: Date,
  protocol: ModernProtocol = 'graph',
): Promise<{ consentUrl: string; expiresAt: string }> {
  const state = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + CONSENT_STATE_TTL_MS).toISOString();
  await store.createConsentState({
    state,
    tenantId: user.tenantId,
    protocol,
    userId: user.oid,
    upn: user.upn,
    expiresAt,
  });
  const consentUrl = buildAdminConsentUrl({
    authorityHost: settings.authorityHost,
    clientId: settings.clientId,
    redirectUri: consentRedirectUri(settings.publicUrl),
    tenantId: user.tenantId,
    state,
    protocol,
  });
  return { consentUrl, expiresAt };
}

/**
 * Entra's admin-consent URL for a state that is still valid at `now`, rebuilt from what the store
 * bound to it (tenant, protocol) and our own redirect: the start page never takes a URL, a tenant
 * or a scope from its query. Undefined for a state never issued, used or expired.
 */
export async function rebuildAdminConsentUrl(
  store: Pick<IntegrationStore, 'findConsentState'>,
  settings: ConsentSettings,
  state: string,
  now: Date,
): Promise<string | undefined> {
  const bound = await store.findConsentState(state, now);
  if (!bound) return undefined;
  return buildAdminConsentUrl({
    authorityHost: settings.authorityHost,
    clientId: settings.clientId,
    redirectUri: consentRedirectUri(settings.publicUrl),
    tenantId: bound.tenantId,
    state,
    protocol: bound.protocol,
  });
}

export type ConsentCallback =
  | { type: 'granted'; state: string; scope?: string; tenantParam?: string }
  | { type: 'declined'; state: string; aadstsCode: string; description?: string }
  | { type: 'error'; state: string; error: string; aadstsCode?: string; description?: string }
  | { type: 'invalid' };

/** A query value only when it occurs exactly once (a repeated parameter is an attack, not a value). */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads Entra's redirect: `admin_consent=True&tenant&scope&state`, or `error…&state`. */
export function parseConsentCallback(query: Record<string, unknown>): ConsentCallback {
  const state = single(query, 'state');
  if (!state) return { type: 'invalid' };
  const error = single(query, 'error');
  const description = single(query, 'error_description');
  const code = description ? aadstsCodeIn(description) : undefined;
  if (error) {
    const aadstsCode = code !== undefined ? `AADSTS${code}` : undefined;
    const descriptionField = description !== undefined ? { description } : {};
    if (error === 'access_denied' && (single(query, 'error_subcode') === 'cancel' || code === 65004)) {
      return { type: 'declined', state, aadstsCode: aadstsCode ?? 'AADSTS65004', ...descriptionField };
    }
    return {
      type: 'error',
      state,
      error,
      ...(aadstsCode ? { aadstsCode } : {}),
      ...descriptionField,
    };
  }
  if (single(query, 'admin_consent')?.toLowerCase() === 'true') {
    const scope = single(query, 'scope');
    const tenantParam = single(query, 'tenant');
    return {
      type: 'granted',
      state,
      ...(scope !== undefined ? { scope } : {}),
      ...(tenantParam !== undefined ? { tenantParam } : {}),
    };
  }
  return { type: 'error', state, error: 'no_admin_consent' };
}

export interface CompleteConsentDeps {
  store: Pick<IntegrationStore, 'consumeConsentState'>;
  tokens: AppTokenProvider;
  appId: string;
  now: () => Date;
}

function failed(diagnostic: Diagnostic): Pick<ConsentCompletion, 'outcome' | 'diagnostic' | 'consented'> {
  const outcome = diagnostic.kind === 'consent_declined' ? 'declined' : 'failed';
  return { consented: false, outcome, diagnostic };
}

function callbackDiagnostic(
  callback: Extract<ConsentCallback, { type: 'declined' | 'error' }>,
  appId: string,
): Diagnostic {
  const number = callback.aadstsCode ? Number(callback.aadstsCode.slice('AADSTS'.length)) : undefined;
  const kind: ErrorKind =
    callback.type === 'declined'
      ? 'consent_declined'
      : ((number !== undefined ? kindForAadsts(number, callback.description) : undefined) ?? 'unexpected');
  const sentence = callback.description ? aadstsSentence(callback.description) : undefined;
  return {
    kind,
    ...(callback.type === 'declined'
      ? { code: callback.aadstsCode, message: 'Admin consent was cancelled; nothing was granted.' }
      : {
          code: callback.aadstsCode ?? callback.error,
          message: `Entra ID did not grant admin consent: ${sentence ?? callback.description ?? callback.error}`,
        }),
    remediation: remediationFor(kind, { appId }),
  };
}

/**
 * Consumes the state (missing, unknown, reused or expired → ConsentStateError, nothing else done),
 * then turns Entra's answer into an outcome. Recording it is the caller's job.
 */
export async function completeAdminConsent(
  deps: CompleteConsentDeps,
  query: Record<string, unknown>,
): Promise<ConsentCompletion> {
  const callback = parseConsentCallback(query);
  if (callback.type === 'invalid') {
    throw new ConsentStateError('missing', 'The consent callback carries no state.');
  }
  const bound = await deps.store.consumeConsentState(callback.state, deps.now());
  if (!bound) {
    throw new ConsentStateError('unknown', 'The consent state is unknown, already used or expired.');
  }
  const who = { tenantId: bound.tenantId, userId: bound.userId, upn: bound.upn, protocol: bound.protocol };
  if (callback.type !== 'granted') {
    return { ...who, ...failed(callbackDiagnostic(callback, deps.appId)) };
  }
  const reported = callback.tenantParam !== undefined ? { reportedTenant: callback.tenantParam } : {};
  let roles: string[];
  try {
    // A fresh token, not one cached from before this grant.
    roles = (await deps.tokens.getAppToken(bound.tenantId, bound.protocol, { forceRefresh: true })).roles;
  } catch (error) {
    if (!isExchangeConnectError(error)) throw error;
    return { ...who, ...reported, ...failed(error.toDiagnostic()) };
  }
  const missing = requiredRoles(bound.protocol).filter((role) => !roles.includes(role));
  if (missing.length === 0) {
    return { ...who, ...reported, consented: true, outcome: 'granted', roles };
  }
  // The grant exists (Entra issued a token), but the role reaches tokens only once it replicated.
  const diagnostic: Diagnostic = {
    kind: 'consent_pending',
    code: 'role_not_yet_in_token',
    message: `Admin consent was granted, but the token does not carry ${missing.join(', ')} yet.`,
    remediation: remediationFor('consent_pending', { appId: deps.appId }),
  };
  return {
    ...who,
    ...reported,
    consented: true,
    outcome: 'granted',
    diagnostic,
    roles,
  };
}
