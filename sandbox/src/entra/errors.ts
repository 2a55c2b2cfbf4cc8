/**
 * Entra ID's error catalogue (the AADSTS codes the sandbox answers with) and its JSON error body:
 * `{error, error_description "AADSTSn: text\r\nTrace ID…\r\nCorrelation ID…\r\nTimestamp…", error_codes,
 * timestamp, trace_id, correlation_id, error_uri}`, exactly as login.microsoftonline.com sends it.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { SandboxContext } from '../context';

export interface EntraError {
  /** OAuth `error` field. */
  error: string;
  code: number;
  status: number;
  /** The text after `AADSTSnnnn: `. */
  text: string;
}

const CERTIFICATE_DOCS = (appId: string) =>
  `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. ` +
  'Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint ' +
  'and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, ' +
  `such as 'https://graph.microsoft.com/beta/applications/${appId}'`;
const ASSERTION_DOCS =
  'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';

/** Key dates as Entra prints them in AADSTS700027 (`MM/DD/YYYY HH:MM:SS`, UTC). */
const keyDate = (d: Date) => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
};

export const aadsts = {
  tenantNotFound: (tenant: string, error = 'invalid_request'): EntraError => ({
    error,
    code: 90002,
    status: 400,
    text:
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
      'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
  }),
  appNotFound: (appId: string, directory: string): EntraError => ({
    error: 'unauthorized_client',
    code: 700016,
    status: 400,
    text:
      `Application with identifier '${appId}' was not found in the directory '${directory}'. This can happen if the application ` +
      'has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
      'You may have sent your authentication request to the wrong tenant.',
  }),
  appDisabled: (appId: string, appName: string): EntraError => ({
    error: 'unauthorized_client',
    code: 7000112,
    status: 400,
    text: `Application '${appId}'(${appName}) is disabled.`,
  }),
  invalidScope: (scope: string): EntraError => ({
    error: 'invalid_scope',
    code: 70011,
    status: 400,
    text: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  }),
  certificateNotRegistered: (appId: string, thumbprint: string): EntraError => ({
    error: 'invalid_client',
    code: 700027,
    status: 401,
    text:
      'The certificate with identifier used to sign the client assertion is not registered on application. ' +
      `[Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', ${CERTIFICATE_DOCS(appId)}]`,
  }),
  certificateExpired: (appId: string, thumbprint: string, notBefore: Date, notAfter: Date): EntraError => ({
    error: 'invalid_client',
    code: 700027,
    status: 401,
    text:
      'The certificate with identifier used to sign the client assertion is expired on application. ' +
      `[Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', ` +
      `Found key 'Start=${keyDate(notBefore)}, End=${keyDate(notAfter)}', ${CERTIFICATE_DOCS(appId)}]`,
  }),
  invalidSignature: (appId: string, thumbprint: string): EntraError => ({
    error: 'invalid_client',
    code: 700027,
    status: 401,
    text:
      'Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., ' +
      `Thumbprint of key used by client: '${thumbprint}', ${CERTIFICATE_DOCS(appId)}]`,
  }),
  assertionClientMismatch: (): EntraError => ({
    error: 'invalid_client',
    code: 700021,
    status: 401,
    text: `Client assertion application identifier doesn't match 'client_id' parameter. ${ASSERTION_DOCS}`,
  }),
  assertionAudience: (): EntraError => ({
    error: 'invalid_client',
    code: 700023,
    status: 401,
    text: `Client assertion audience claim does not match Realm issuer. ${ASSERTION_DOCS}`,
  }),
  assertionLifetime: (now: Date, nbf: Date, exp: Date): EntraError => ({
    error: 'invalid_client',
    code: 700024,
    status: 401,
    text:
      `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, ` +
      `assertion valid from ${nbf.toISOString()}, expiry time of assertion ${exp.toISOString()}. ${ASSERTION_DOCS}`,
  }),
  /** Entra documents no dedicated replay code; it refuses a reused assertion as a failed assertion validation. */
  assertionReplayed: (): EntraError => ({
    error: 'invalid_client',
    code: 50013,
    status: 401,
    text: 'Assertion failed signature validation. [Reason - The client assertion was already used (jti replay).]',
  }),
  malformedAssertion: (): EntraError => ({
    error: 'invalid_request',
    code: 50027,
    status: 400,
    text: 'JWT token is invalid or malformed.',
  }),
  missingParameter: (name: string): EntraError => ({
    error: 'invalid_request',
    code: 900144,
    status: 400,
    text: `The request body must contain the following parameter: '${name}'.`,
  }),
  missingCredential: (): EntraError => ({
    error: 'invalid_client',
    code: 7000218,
    status: 401,
    text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  unsupportedAssertionType: (): EntraError => ({
    error: 'invalid_request',
    code: 50038,
    status: 400,
    text: 'Client assertion type is not supported or is malformed.',
  }),
  unsupportedGrantType: (): EntraError => ({
    error: 'unsupported_grant_type',
    code: 70003,
    status: 400,
    text: 'The app requested an unsupported grant type.',
  }),
  redirectUriMismatch: (redirectUri: string, appId: string): EntraError => ({
    error: 'invalid_request',
    code: 50011,
    status: 400,
    text:
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. ` +
      'Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. ' +
      'Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.',
  }),
  userNotInTenant: (
    upn: string,
    homeTenantId: string,
    tenantName: string,
    appId: string,
    appName: string,
  ): EntraError => ({
    error: 'invalid_request',
    code: 50020,
    status: 400,
    text:
      `User account '${upn}' from identity provider 'https://sts.windows.net/${homeTenantId}/' does not exist in tenant '${tenantName}' ` +
      `and cannot access the application '${appId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. ` +
      'Sign out and sign in again with a different Azure Active Directory user account.',
  }),
  adminRequired: (): EntraError => ({
    error: 'access_denied',
    code: 90094,
    status: 400,
    text: 'The grant requires admin permission.',
  }),
  userDeclined: (): EntraError => ({
    error: 'access_denied',
    code: 65004,
    status: 400,
    text: 'User declined to consent to access the app.',
  }),
  invalidSignInState: (): EntraError => ({
    error: 'invalid_request',
    code: 90015,
    status: 400,
    text: 'Requested query string is too long or the sign-in state is not valid. Start the sign-in again.',
  }),
  transient: (status: number): EntraError => ({
    error: 'temporarily_unavailable',
    code: 90033,
    status,
    text: 'A transient error has occurred. Please try again.',
  }),
  throttled: (): EntraError => ({
    error: 'temporarily_unavailable',
    code: 50196,
    status: 429,
    text: 'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.',
  }),
} as const;

/** `YYYY-MM-DD HH:MM:SSZ`, the timestamp format of Entra error bodies. */
export const entraTimestamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');

export interface Trace {
  traceId: string;
  correlationId: string;
  timestamp: string;
}

/** Entra echoes the caller's `client-request-id` as the correlation id. */
export function traceFor(ctx: SandboxContext, req: Request): Trace {
  const clientRequestId = req.get('client-request-id');
  return {
    traceId: randomUUID(),
    correlationId:
      clientRequestId && /^[0-9a-f-]{36}$/i.test(clientRequestId) ? clientRequestId : randomUUID(),
    timestamp: entraTimestamp(ctx.now()),
  };
}

/** The `error_description` text: message, then trace lines separated by CRLF as Entra writes them. */
export function describe(err: EntraError, trace: Trace): string {
  return (
    `AADSTS${err.code}: ${err.text}\r\nTrace ID: ${trace.traceId}\r\n` +
    `Correlation ID: ${trace.correlationId}\r\nTimestamp: ${trace.timestamp}`
  );
}

export function entraErrorBody(ctx: SandboxContext, err: EntraError, trace: Trace) {
  return {
    error: err.error,
    error_description: describe(err, trace),
    error_codes: [err.code],
    timestamp: trace.timestamp,
    trace_id: trace.traceId,
    correlation_id: trace.correlationId,
    error_uri: `${ctx.urls.entra}/error?code=${err.code}`,
  };
}

export function sendEntraError(ctx: SandboxContext, req: Request, res: Response, err: EntraError): void {
  const trace = traceFor(ctx, req);
  res
    .status(err.status)
    .set({
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': trace.traceId,
      'client-request-id': trace.correlationId,
    })
    .json(entraErrorBody(ctx, err, trace));
}
