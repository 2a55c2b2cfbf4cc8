/**
 * Node's error codes for a request that never got an HTTP answer, by what they mean to an admin.
 * Every adapter (Entra ID, EWS, Key Vault) classifies socket and TLS failures through this table.
 */
export type TransportFailureKind = 'untrusted_certificate' | 'timeout' | 'unreachable';

/** The peer's TLS certificate does not chain to a trusted CA, does not match, or is out of date. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TIMEOUT = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_CLOSED',
]);

export function transportFailureKind(code: string | undefined): TransportFailureKind | undefined {
  if (!code) return undefined;
  if (UNTRUSTED_CERTIFICATE.has(code)) return 'untrusted_certificate';
  if (TIMEOUT.has(code)) return 'timeout';
  if (UNREACHABLE.has(code)) return 'unreachable';
  return undefined;
}
