/**
 * Key Vault's error body, `{"error":{"code","message","innererror"?}}`, and the messages the real
 * service writes, collected in one place so every route answers with the same words.
 */
import type { Response } from 'express';

export interface KeyVaultErrorBody {
  error: { code: string; message: string; innererror?: { code: string } };
}

export function sendKeyVaultError(
  res: Response,
  status: number,
  code: string,
  message: string,
  innerCode?: string,
): void {
  const body: KeyVaultErrorBody = {
    error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) },
  };
  res.status(status).json(body);
}

const RECOVERY_HINT =
  'If you recently deleted this secret you may be able to recover it using the correct recovery command. ' +
  'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export const messages = {
  missingToken: 'AKV10000: Request is missing a Bearer or PoP token.',
  unreadableToken: "[BearerReadAccessTokenFailed] Error validating token: 'S2S12005'.",
  expiredToken: "[TokenExpired] Error validating token: 'S2S12086'.",
  invalidAudience: (expected: string, found: string) =>
    `AKV10022: Invalid audience. Expected ${expected}, found: ${found}.`,
  invalidIssuer: (expected: string, found: string) =>
    `AKV10032: Invalid issuer. Expected one of ${expected}, found ${found}.`,
  unknownSigningKey: (encodedHeader: string) =>
    `AKV10046: Unable to resolve the key used for signature validation. EncodedJwtHeader: '${encodedHeader}'.`,
  invalidName: (name: string) => `The request URI contains an invalid name: ${name}`,
  unknownApiVersion: (requested: string, latest: string) =>
    `The specified version (${requested}) is not recognized. Consider using the latest supported version (${latest}).`,
  secretNotFound: (nameOrId: string) =>
    `A secret with (name/id) ${nameOrId} was not found in this key vault. ${RECOVERY_HINT}`,
  deletedSecretNotFound: (name: string) => `Deleted Secret not found: ${name}`,
  disabled: (operation: string) => `Operation ${operation} is not allowed on a disabled secret.`,
  deletedButRecoverable: (name: string) =>
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; ` +
    'in this state, the secret can only be recovered or purged.',
  throttled:
    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
} as const;
