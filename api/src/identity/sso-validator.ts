/**
 * Validates the tab's Teams SSO token with jose: RS256 only, signed by a key the token's own
 * tenant publishes, the EXACT v2 issuer of that tenant, our audience, lifetime with a small
 * tolerance, the claims we need, our `access_as_user` scope, and a Teams or Microsoft 365 client as
 * the requester (`azp`). `tid` is read unverified only to pick the issuer and keys.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { INetworkModule } from '@azure/msal-node';
import type { AppConfig } from '../config';
import { SsoTokenError, type SsoTokenReason } from './errors';
import { ExchangeConnectError } from '../errors';
import { TenantJwksCache, type JwksCachePolicy } from './jwks-cache';
import { createMsalNetworkClient } from './network-client';
import { isTenantId } from './tenant-discovery';
import type { OutboundPolicy } from '../outbound/policy';
import type { SignedInUser, SsoTokenValidator } from './port';

/** Role template id of Global Administrator, as Entra puts it in `wids`. */
export const GLOBAL_ADMINISTRATOR_ROLE_ID = '62e90394-69f5-4237-9190-012177145e10';
/** The delegated scope our app exposes for Teams SSO (aad.manifest.json). */
export const SSO_SCOPE = 'access_as_user';
/**
 * The Microsoft 365 clients that request SSO tokens for a tab, as Microsoft's "Configure your tab
 * app in Microsoft Entra ID" lists them for pre-authorization (the same id serves Microsoft 365
 * mobile and Outlook desktop). A token whose `azp` is anything else was requested by some other
 * app with our scope, not by a Teams or Microsoft 365 host.
 */
export const MICROSOFT_365_SSO_CLIENT_IDS: ReadonlySet<string> = new Set([
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264', // Teams desktop and mobile
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346', // Teams web
  '4765445b-32c6-49b0-83e6-1d93765276ca', // Microsoft 365 web
  '0ec893e0-5785-4de6-99da-4ed124e5296c', // Microsoft 365 desktop
  'd3590ed6-52b3-4102-aeff-aad2292ab01c', // Microsoft 365 mobile, Outlook desktop
  'bc59ab01-8403-45c6-8796-ac3ef710b3e3', // Outlook web
  '27922004-5251-4030-b22d-91ecd9a37ea4', // Outlook mobile
]);
const CLOCK_TOLERANCE_SECONDS = 60;

export interface SsoValidatorOptions {
  authorityHost: string;
  clientId: string;
  /** Also accepted as audience: the Application ID URI `api://<public host>/<clientId>`. */
  applicationIdUri?: string;
  /** TLS trust, size cap and deadline of the signing-key downloads. */
  policy: OutboundPolicy;
  /** Replaces the transport built on `policy` (tests count requests). */
  transport?: INetworkModule;
  now?: () => number;
  /** How signing keys are cached and fetched (defaults: DEFAULT_JWKS_CACHE_POLICY). */
  jwks?: Partial<JwksCachePolicy>;
}

/** The validator options for the app's configuration: client id and `api://<public host>/<client id>`. */
export function ssoValidatorOptions(
  config: Pick<AppConfig, 'authorityHost' | 'clientId' | 'publicUrl'>,
  policy: OutboundPolicy,
) {
  return {
    authorityHost: config.authorityHost,
    clientId: config.clientId,
    applicationIdUri: `api://${new URL(config.publicUrl).host}/${config.clientId}`,
    policy,
  } satisfies SsoValidatorOptions;
}

const stringClaim = (payload: JWTPayload, name: string) =>
  typeof payload[name] === 'string' ? (payload[name] as string) : undefined;

/** Which rule a jose error broke. */
function reasonOf(error: unknown): SsoTokenReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf' || error.claim === 'exp' || error.claim === 'iat') {
      return error.reason === 'missing' ? 'claims' : 'expired';
    }
    return 'claims';
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return 'signature';
  }
  return 'malformed';
}

export class JoseSsoTokenValidator implements SsoTokenValidator {
  private readonly keys: TenantJwksCache;
  private readonly audiences: string[];
  private readonly now: () => number;

  constructor(private readonly options: SsoValidatorOptions) {
    this.now = options.now ?? Date.now;
    this.audiences = [options.clientId, ...(options.applicationIdUri ? [options.applicationIdUri] : [])];
    this.keys = new TenantJwksCache({
      authorityHost: options.authorityHost,
      appId: options.clientId,
      transport: options.transport ?? createMsalNetworkClient(options.policy),
      now: this.now,
      ...(options.jwks ? { policy: options.jwks } : {}),
    });
  }

  async validate(token: string): Promise<SignedInUser> {
    if (!token) throw new SsoTokenError('missing', 'No SSO token was presented.');
    let tenantId: string | undefined;
    try {
      decodeProtectedHeader(token);
      tenantId = stringClaim(decodeJwt(token), 'tid');
    } catch (error) {
      throw new SsoTokenError('malformed', 'The SSO token is not a JWT.', { cause: error });
    }
    if (!tenantId || !isTenantId(tenantId)) {
      throw new SsoTokenError('claims', 'The SSO token names no tenant (tid).');
    }
    const tid = tenantId.toLowerCase();
    const keys = this.keys.keysFor(tid);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: `${this.options.authorityHost}/${tid}/v2.0`,
        audience: this.audiences,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'tid', 'oid', 'preferred_username'],
      }));
    } catch (error) {
      // The key lookup's own verdicts: a tenant Entra does not know, or Entra not answering.
      if (error instanceof SsoTokenError || error instanceof ExchangeConnectError) throw error;
      const reason = reasonOf(error);
      throw new SsoTokenError(reason, `The SSO token was rejected (${reason}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    const oid = stringClaim(payload, 'oid');
    const upn = stringClaim(payload, 'preferred_username');
    if (!oid || !upn) throw new SsoTokenError('claims', 'The SSO token lacks oid or preferred_username.');
    const scopes = (stringClaim(payload, 'scp') ?? '').split(' ');
    if (!scopes.includes(SSO_SCOPE)) {
      throw new SsoTokenError('scope', `The SSO token does not carry the ${SSO_SCOPE} scope.`);
    }
    // v2 tokens name the requesting client in `azp`, v1 tokens in `appid`.
    const client = (stringClaim(payload, 'azp') ?? stringClaim(payload, 'appid'))?.toLowerCase();
    if (!client || !MICROSOFT_365_SSO_CLIENT_IDS.has(client)) {
      throw new SsoTokenError(
        'client',
        'The SSO token was not requested by a Teams or Microsoft 365 client.',
      );
    }
    const wids = Array.isArray(payload.wids) ? payload.wids : [];
    const name = stringClaim(payload, 'name');
    return {
      tenantId: tid,
      oid,
      upn: upn.toLowerCase(),
      ...(name ? { name } : {}),
      isGlobalAdmin: wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID),
    };
  }
}
