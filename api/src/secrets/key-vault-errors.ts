/**
 * Converts what @azure/keyvault-secrets (and the credential under it) throws into our error family,
 * once, at the adapter. Nothing from a request or response body is copied: a setSecret request and
 * a getSecret response carry the password, and a PARSE_ERROR message quotes the response body.
 */
import { ExchangeConnectError, type ErrorKind } from '../errors';
import { remediationFor } from '../remediation';
import { transportFailureKind } from '../outbound/transport-failure';

export type VaultOperation = 'store' | 'read' | 'delete';

/** The SDK's own code for a request it could not send. */
const SEND_FAILED = 'REQUEST_SEND_ERROR';
/** @azure/identity's failures: the vault's identity could not get a token. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);

const ACTION: Record<VaultOperation, string> = {
  store: 'store the service account password in',
  read: 'read the service account password from',
  delete: 'delete the service account password from',
};

/** The fields we read from a RestError (or any Error), narrowed from `unknown`. */
interface ThrownFields {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  innerCode?: string;
  retryAfter?: string;
}

export function toVaultError(error: unknown, operation: VaultOperation): ExchangeConnectError {
  if (error instanceof ExchangeConnectError) return error;
  const thrown = fieldsOf(error);
  const { kind, code } = classify(thrown);
  const retryAfterMs = kind === 'throttled' ? retryAfterMsOf(thrown.retryAfter) : undefined;
  return new ExchangeConnectError(
    {
      kind,
      code,
      message: messageFor(kind, operation, code, thrown.statusCode),
      remediation: keyVaultRemediation(kind, retryAfterMs),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    { cause: new Error(safeSummary(thrown)) },
  );
}

function classify(t: ThrownFields): { kind: ErrorKind; code: string } {
  if (t.name === 'AbortError') return { kind: 'timeout', code: 'RequestTimeout' };
  if (CREDENTIAL_ERRORS.has(t.name)) return { kind: 'secret_unavailable', code: t.name };
  if (t.code === 'PARSE_ERROR') return { kind: 'unexpected', code: t.code };
  const status = t.statusCode;
  if (status !== undefined) {
    const code = t.innerCode ?? t.code ?? `HTTP ${status}`;
    if (status === 401 || status === 403 || status === 404) return { kind: 'secret_unavailable', code };
    if (status === 429) return { kind: 'throttled', code };
    if (status >= 500) return { kind: 'unreachable', code };
    return { kind: 'unexpected', code };
  }
  const code = t.code ?? t.name;
  if (code === SEND_FAILED) return { kind: 'unreachable', code };
  return { kind: transportFailureKind(code) ?? 'unexpected', code };
}

function messageFor(kind: ErrorKind, operation: VaultOperation, code: string, status?: number): string {
  const failed = `Exchange Connect could not ${ACTION[operation]} Azure Key Vault`;
  const detail = status === undefined ? code : `${code}, HTTP ${status}`;
  switch (kind) {
    case 'secret_unavailable':
      return `${failed}: Key Vault refused access or holds no such secret (${detail}).`;
    case 'throttled':
      return `${failed}: Key Vault is throttling requests (${detail}).`;
    case 'unreachable':
      return `${failed}: Key Vault could not be reached or answered with a server error (${detail}).`;
    case 'untrusted_certificate':
      return `${failed}: its TLS certificate is not trusted (${detail}).`;
    case 'timeout':
      return `${failed}: Key Vault did not answer in time.`;
    default:
      return `${failed} (${detail}).`;
  }
}

/** The remediation for a Key Vault failure: transport kinds are worded for our operators. */
export function keyVaultRemediation(kind: ErrorKind, retryAfterMs?: number): string {
  return remediationFor(kind, {
    appId: '',
    service: 'keyvault',
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function fieldsOf(error: unknown): ThrownFields {
  if (!(error instanceof Error)) return { name: typeof error, message: '' };
  const record = error as Error & Record<string, unknown>;
  const fields: ThrownFields = { name: error.name, message: error.message };
  if (typeof record.code === 'string') fields.code = record.code;
  if (typeof record.statusCode === 'number') fields.statusCode = record.statusCode;
  const inner = innerCodeOf(record.details);
  if (inner) fields.innerCode = inner;
  const retryAfter = headerOf(record.response, 'retry-after');
  if (retryAfter) fields.retryAfter = retryAfter;
  return fields;
}

/** Key Vault's `{"error":{"innererror":{"code"}}}`, as the SDK deserialises it (`innerError`). */
function innerCodeOf(details: unknown): string | undefined {
  const error = property(details, 'error');
  const inner = property(error, 'innerError') ?? property(error, 'innererror');
  const code = property(inner, 'code');
  return typeof code === 'string' ? code : undefined;
}

function headerOf(response: unknown, name: string): string | undefined {
  const headers = property(response, 'headers');
  const get = property(headers, 'get');
  if (typeof get !== 'function') return undefined;
  const value: unknown = get.call(headers, name);
  return typeof value === 'string' ? value : undefined;
}

function property(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Retry-After in seconds (Key Vault's form) or as an HTTP date. */
function retryAfterMsOf(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * For operators reading the cause: the SDK's message only where it cannot hold a body (a Key
 * Vault error message, a socket error), never for PARSE_ERROR or an error we do not know.
 */
function safeSummary(t: ThrownFields): string {
  const parts = [
    t.name,
    t.code,
    t.innerCode,
    t.statusCode === undefined ? undefined : `HTTP ${t.statusCode}`,
  ];
  const known =
    t.code !== 'PARSE_ERROR' &&
    (t.name === 'RestError' || t.name === 'AbortError' || CREDENTIAL_ERRORS.has(t.name));
  if (known && t.message) parts.push(t.message);
  return parts.filter(Boolean).join(': ');
}

/** setSecret on a soft-deleted name: Key Vault's 409 with inner code ObjectIsDeletedButRecoverable. */
export function isDeletedButRecoverable(error: unknown): boolean {
  const fields = fieldsOf(error);
  return fields.statusCode === 409 && fields.innerCode === 'ObjectIsDeletedButRecoverable';
}

export function isSecretNotFound(error: unknown): boolean {
  const fields = fieldsOf(error);
  return fields.statusCode === 404 && fields.code === 'SecretNotFound';
}
