/**
 * Stored secrets as Key Vault writes them on the wire: SecretBundle, SecretItem and their deleted
 * counterparts, dates in Unix seconds, identifiers under the vault URL.
 */
import { RECOVERABLE_DAYS, currentVersion, type SecretVersion, type StoredSecret } from './secret-store';

/** What a soft-delete vault without purge protection reports, with the default 90-day retention. */
const RECOVERY_LEVEL = 'Recoverable+Purgeable';

export const secretId = (vaultUrl: string, secret: StoredSecret, version?: SecretVersion) =>
  `${vaultUrl}/secrets/${secret.name}${version ? `/${version.version}` : ''}`;

function attributes(version: SecretVersion) {
  return {
    enabled: version.enabled,
    ...(version.nbf !== undefined ? { nbf: version.nbf } : {}),
    ...(version.exp !== undefined ? { exp: version.exp } : {}),
    created: version.created,
    updated: version.updated,
    recoveryLevel: RECOVERY_LEVEL,
    recoverableDays: RECOVERABLE_DAYS,
  };
}

function describe(vaultUrl: string, secret: StoredSecret, version: SecretVersion, withVersionInId: boolean) {
  return {
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
    id: secretId(vaultUrl, secret, withVersionInId ? version : undefined),
    attributes: attributes(version),
    ...(version.tags !== undefined ? { tags: version.tags } : {}),
  };
}

/** GET and PUT answer with the value; PATCH and recover answer without it, as Key Vault does. */
export function secretBundle(
  vaultUrl: string,
  secret: StoredSecret,
  version: SecretVersion,
  withValue: boolean,
) {
  return { ...(withValue ? { value: version.value } : {}), ...describe(vaultUrl, secret, version, true) };
}

/** List items: the secret list names the secret only; the versions list names each version. */
export function secretItem(vaultUrl: string, secret: StoredSecret, version?: SecretVersion) {
  return describe(vaultUrl, secret, version ?? currentVersion(secret), version !== undefined);
}

function deletion(vaultUrl: string, secret: StoredSecret) {
  return {
    recoveryId: `${vaultUrl}/deletedsecrets/${secret.name}`,
    deletedDate: secret.deletion?.deletedDate,
    scheduledPurgeDate: secret.deletion?.scheduledPurgeDate,
  };
}

export function deletedSecretBundle(vaultUrl: string, secret: StoredSecret) {
  return { ...deletion(vaultUrl, secret), ...describe(vaultUrl, secret, currentVersion(secret), true) };
}

export function deletedSecretItem(vaultUrl: string, secret: StoredSecret) {
  return { ...deletion(vaultUrl, secret), ...describe(vaultUrl, secret, currentVersion(secret), false) };
}
