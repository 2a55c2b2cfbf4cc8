/**
 * The SecretVault on Azure Key Vault (@azure/keyvault-secrets): one secret per tenant, a new
 * version on every store, soft delete on disconnect (never purge: production vaults have purge
 * protection). Logs carry secret ids and outcomes only.
 */
import type { TokenCredential } from '@azure/core-auth';
import { parseKeyVaultSecretIdentifier, SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets';
import { ExchangeConnectError } from '../errors';
import { createLogger, type Logger } from '../logger';
import type { OutboundPolicy } from '../outbound/policy';
import { keyVaultHttpClient } from './key-vault-http-client';
import type { SecretVault } from './port';
import {
  isDeletedButRecoverable,
  isSecretNotFound,
  keyVaultRemediation,
  toVaultError,
  type VaultOperation,
} from './key-vault-errors';

export interface KeyVaultSecretVaultOptions {
  /** `https://<name>.vault.azure.net` in production (config EC_KEY_VAULT_URL). */
  vaultUrl: string;
  credential: TokenCredential;
  /** TLS trust, size cap and deadline of every request, and the development resource-check switch. */
  policy: OutboundPolicy;
  logger?: Logger;
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Per attempt, instead of the policy's Key Vault deadline; the SDK does not retry a timed-out request. */
  requestTimeoutMs?: number;
  /** Between polls of a delete or recover operation. */
  pollIntervalMs?: number;
}

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const SECRET_PREFIX = 'ews-svc-';
const PURPOSE = 'exchange-server-service-account';

const DEFAULTS = {
  retry: { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 10_000 },
  pollIntervalMs: 2_000,
};

export class KeyVaultSecretVault implements SecretVault {
  private readonly client: SecretClient;
  private readonly vaultUrl: URL;
  private readonly log: Logger;
  private readonly pollIntervalMs: number;

  constructor(options: KeyVaultSecretVaultOptions) {
    this.vaultUrl = new URL(options.vaultUrl);
    if (this.vaultUrl.protocol !== 'https:') throw new Error('The Key Vault URL must be https://');
    this.log = (options.logger ?? createLogger({ level: 'silent' })).child({ component: 'key-vault' });
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.client = new SecretClient(this.vaultOrigin(), options.credential, {
      // The SDK checks that the challenge's resource matches the vault's Azure domain; only a
      // development vault (the sandbox on 127.0.0.1) switches that off, by configuration.
      disableChallengeResourceVerification: options.policy.dangerouslySkipKeyVaultResourceCheck,
      httpClient: keyVaultHttpClient(options.policy, options.requestTimeoutMs),
      retryOptions: { ...DEFAULTS.retry, ...options.retry },
    });
  }

  async storePassword(
    tenantId: string,
    serviceAccount: string,
    password: string,
  ): Promise<{ secretId: string }> {
    const name = secretNameFor(tenantId);
    const secretId = this.secretIdOf(name);
    const tags = { tenantId, serviceAccount, purpose: PURPOSE };
    const stored = await this.run('store', secretId, () => this.setOrRecover(name, password, tags, secretId));
    this.log.info({ secretId, version: stored.properties.version, outcome: 'stored' }, 'secret stored');
    return { secretId };
  }

  async readPassword(secretId: string): Promise<string> {
    const name = this.nameOf(secretId, 'read');
    const secret = await this.run('read', secretId, () => this.client.getSecret(name));
    if (!secret.value) throw this.refused('read', secretId, 'SecretEmpty', 'the secret has no value');
    this.log.info({ secretId, version: secret.properties.version, outcome: 'read' }, 'secret read');
    return secret.value;
  }

  async deletePassword(secretId: string): Promise<void> {
    const name = this.nameOf(secretId, 'delete');
    const outcome = await this.run('delete', secretId, async () => {
      try {
        const poller = await this.client.beginDeleteSecret(name, { intervalInMs: this.pollIntervalMs });
        await poller.pollUntilDone();
        return 'soft-deleted';
      } catch (error) {
        // Disconnecting twice, or after the secret was removed by hand, is not a failure.
        if (isSecretNotFound(error)) return 'already-absent';
        throw error;
      }
    });
    this.log.info({ secretId, outcome }, 'secret deleted');
  }

  private async setOrRecover(
    name: string,
    password: string,
    tags: Record<string, string>,
    secretId: string,
  ): Promise<KeyVaultSecret> {
    try {
      return await this.client.setSecret(name, password, { tags });
    } catch (error) {
      if (!isDeletedButRecoverable(error)) throw error;
      // The tenant disconnected earlier; the name stays reserved until it is recovered or purged.
      this.log.info({ secretId, outcome: 'recovering' }, 'secret is soft-deleted; recovering it');
      const poller = await this.client.beginRecoverDeletedSecret(name, { intervalInMs: this.pollIntervalMs });
      await poller.pollUntilDone();
      return await this.client.setSecret(name, password, { tags });
    }
  }

  /** Runs one SDK call; its failure is converted here, once, and logged without the cause. */
  private async run<T>(operation: VaultOperation, secretId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const converted = toVaultError(error, operation);
      this.log.warn(
        { secretId, operation, outcome: 'failed', kind: converted.kind, code: converted.code },
        'Key Vault operation failed',
      );
      throw converted;
    }
  }

  /** Only versionless secret ids of this vault: a stored id pointing elsewhere is never followed. */
  private nameOf(secretId: string, operation: VaultOperation): string {
    const refuse = () =>
      this.refused(
        operation,
        secretId,
        'SecretIdNotInVault',
        'the secret id does not name a secret of this vault',
      );
    let parsed: ReturnType<typeof parseKeyVaultSecretIdentifier>;
    let url: URL;
    try {
      parsed = parseKeyVaultSecretIdentifier(secretId);
      url = new URL(secretId);
    } catch {
      throw refuse();
    }
    // The SDK's parser takes any collection and a version; we store versionless /secrets/ ids only.
    const ours =
      new URL(parsed.vaultUrl).origin === this.vaultUrl.origin &&
      url.pathname.replace(/\/$/, '') === `/secrets/${parsed.name}` &&
      parsed.version === undefined &&
      !url.search &&
      !url.hash &&
      SECRET_NAME.test(parsed.name);
    if (!ours) throw refuse();
    return parsed.name;
  }

  private refused(
    operation: VaultOperation,
    secretId: string,
    code: string,
    why: string,
  ): ExchangeConnectError {
    const error = new ExchangeConnectError({
      kind: 'secret_unavailable',
      code,
      message: `Exchange Connect could not ${operation} the service account password: ${why}.`,
      remediation: keyVaultRemediation('secret_unavailable'),
    });
    this.log.warn({ secretId, operation, outcome: 'refused', code }, 'Key Vault operation refused');
    return error;
  }

  private vaultOrigin(): string {
    return this.vaultUrl.origin;
  }

  private secretIdOf(name: string): string {
    return `${this.vaultOrigin()}/secrets/${name}`;
  }
}

/** One secret per tenant; Key Vault names allow letters, digits and dashes only. */
export function secretNameFor(tenantId: string): string {
  const name = `${SECRET_PREFIX}${tenantId.toLowerCase()}`;
  if (!SECRET_NAME.test(name)) throw new Error('A tenant id must be a GUID to name its secret');
  return name;
}
