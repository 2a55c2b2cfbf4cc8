/**
 * KeyVaultSecretVault over HTTPS against the sandbox Key Vault with the real SecretClient: the
 * password's life cycle (store, new version, soft delete, recover), the ids it accepts, every
 * failure converted into our error family, the msal-node → Entra → Key Vault chain, and a search
 * of logs, errors and return values for the password.
 */
import { inspect } from 'node:util';
import { SecretClient } from '@azure/keyvault-secrets';
import { rejectedWith } from '../support/rejections';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { SandboxAppCredential } from '../support/sandbox-credential';
import {
  KeyVaultSecretVault,
  type KeyVaultSecretVaultOptions,
} from '../../api/src/secrets/key-vault-secret-vault';
import { vaultCredential } from '../../api/src/secrets/vault-credential';
import { MsalAppTokenProvider } from '../../api/src/identity/msal-token-provider';
import { ExchangeConnectError } from '../../api/src/errors';
import { createLogger } from '../../api/src/logger';
import type { FaultRuleInput } from '../../sandbox/src/faults';
import { testPolicy, type TestPolicyOptions } from '../support/outbound';

const PASSWORD = 'Kn0wn-Leak-Canary-7f3a9c!';
const SERVICE_ACCOUNT = 'svc-ews@fabrikam.com';

describe('KeyVaultSecretVault against the sandbox Key Vault', () => {
  let sandbox: TestSandbox;
  let fabrikam: string;
  let contoso: string;
  let publisher: string;
  /** An SDK client of our own, to look at what the adapter left in the vault. */
  let inspector: SecretClient;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const [first, second] = sandbox.context.seed.tenants;
    contoso = first!.id;
    fabrikam = second!.id;
    publisher = sandbox.context.seed.publisher.tenantId;
    inspector = new SecretClient(sandbox.urls.keyVault, new SandboxAppCredential(sandbox.context), {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: sandbox.certs.caCertPem },
    });
  });
  afterAll(() => sandbox.close());

  function vaultWith(options: Partial<Omit<KeyVaultSecretVaultOptions, 'policy'>> & TestPolicyOptions = {}) {
    const { caPem = sandbox.certs.caCertPem, dangerouslySkipKeyVaultResourceCheck = true, ...rest } = options;
    return new KeyVaultSecretVault({
      vaultUrl: sandbox.urls.keyVault,
      credential: new SandboxAppCredential(sandbox.context),
      policy: testPolicy({ caPem, dangerouslySkipKeyVaultResourceCheck }),
      retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
      pollIntervalMs: 10,
      ...rest,
    });
  }

  const failureOf = (action: Promise<unknown>) => rejectedWith(action, ExchangeConnectError);

  const nameOf = (secretId: string) => secretId.split('/').pop()!;

  it('stores, reads, writes a new version on change, soft-deletes, and recovers on the next store', async () => {
    const vault = vaultWith();
    const { secretId } = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'first-Pa55');
    expect(secretId).toBe(`${sandbox.urls.keyVault}/secrets/ews-svc-${fabrikam}`);
    expect(await vault.readPassword(secretId)).toBe('first-Pa55');

    const stored = await inspector.getSecret(nameOf(secretId));
    expect(stored.properties.tags).toEqual({
      tenantId: fabrikam,
      serviceAccount: SERVICE_ACCOUNT,
      purpose: 'exchange-server-service-account',
    });

    expect(await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'second-Pa55')).toEqual({ secretId });
    expect(await vault.readPassword(secretId)).toBe('second-Pa55');
    const versions: string[] = [];
    for await (const p of inspector.listPropertiesOfSecretVersions(nameOf(secretId)))
      versions.push(p.version!);
    expect(versions).toHaveLength(2);

    await vault.deletePassword(secretId);
    expect((await inspector.getDeletedSecret(nameOf(secretId))).name).toBe(nameOf(secretId));
    const gone = await failureOf(vault.readPassword(secretId));
    expect(gone).toMatchObject({ kind: 'secret_unavailable', code: 'SecretNotFound' });

    // The name is reserved while soft-deleted: the next store recovers it, then adds a version.
    expect(await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'third-Pa55')).toEqual({ secretId });
    expect(await vault.readPassword(secretId)).toBe('third-Pa55');
    const afterRecovery: string[] = [];
    for await (const p of inspector.listPropertiesOfSecretVersions(nameOf(secretId)))
      afterRecovery.push(p.version!);
    expect(afterRecovery).toHaveLength(3);
  });

  it('deleting a secret that is already gone is not a failure (disconnecting twice)', async () => {
    const vault = vaultWith();
    const { secretId } = await vault.storePassword(contoso, 'svc@contoso.com', 'x-Pa55');
    await vault.deletePassword(secretId);
    await expect(vault.deletePassword(secretId)).resolves.toBeUndefined();
  });

  it('reaches the vault end to end: msal-node certificate token from the sandbox Entra for the challenge tenant', async () => {
    const provider = new MsalAppTokenProvider(
      {
        authorityHost: sandbox.urls.entra,
        clientId: sandbox.context.seed.app.clientId,
        appCertificate: { certPem: sandbox.certs.appCertPem, keyPem: sandbox.certs.appKeyPem },
      },
      { policy: testPolicy({ caPem: sandbox.certs.caCertPem }) },
    );
    const requested: Array<{ scope: string; tenantId: string }> = [];
    const credential = vaultCredential({
      kind: 'app-certificate',
      source: {
        getAccessToken: (scope, tenantId) => {
          requested.push({ scope, tenantId });
          return provider.getAccessToken(scope, tenantId);
        },
      },
      tenantId: publisher,
    });
    const vault = vaultWith({ credential });
    const { secretId } = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'via-msal-Pa55');
    expect(await vault.readPassword(secretId)).toBe('via-msal-Pa55');
    expect(requested[0]).toEqual({ scope: 'https://vault.azure.net/.default', tenantId: publisher });
  });

  it.each([
    ['another vault', () => 'https://other.vault.azure.net/secrets/ews-svc-x'],
    [
      'another port of the same host',
      (vaultUrl: string) =>
        `${new URL(vaultUrl).protocol}//${new URL(vaultUrl).hostname}:1/secrets/ews-svc-x`,
    ],
    [
      'http instead of https',
      (vaultUrl: string) => `${vaultUrl.replace('https:', 'http:')}/secrets/ews-svc-x`,
    ],
    [
      'a versioned id',
      (vaultUrl: string) => `${vaultUrl}/secrets/ews-svc-x/0123456789abcdef0123456789abcdef`,
    ],
    ['a deleted-secret id', (vaultUrl: string) => `${vaultUrl}/deletedsecrets/ews-svc-x`],
    ['a key id (the SDK parser accepts any collection)', (vaultUrl: string) => `${vaultUrl}/keys/ews-svc-x`],
    ['a path that climbs out', (vaultUrl: string) => `${vaultUrl}/secrets/..%2Fkeys%2Fk`],
    ['not a URL', () => 'ews-svc-x'],
  ])('refuses a secret id of %s without a request', async (_name, idFor) => {
    const credential = new SandboxAppCredential(sandbox.context);
    const vault = vaultWith({ credential });
    const id = idFor(sandbox.urls.keyVault);
    expect(await failureOf(vault.readPassword(id))).toMatchObject({
      kind: 'secret_unavailable',
      code: 'SecretIdNotInVault',
    });
    expect(await failureOf(vault.deletePassword(id))).toMatchObject({ code: 'SecretIdNotInVault' });
    expect(credential.requests).toEqual([]);
  });

  it('rides out one throttled read on the SDK retry that honours Retry-After', async () => {
    const vault = vaultWith();
    const { secretId } = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'busy-Pa55');
    const fault = await sandbox.control('POST', '/faults', {
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'throttle',
      ms: 1000,
      count: 1,
    });
    expect(fault.status).toBe(201);
    expect(await vault.readPassword(secretId)).toBe('busy-Pa55');
  });

  it('reports throttling that outlasts the retries, with Key Vault’s Retry-After', async () => {
    const vault = vaultWith({ retry: { maxRetries: 1 } });
    const { secretId } = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'busy-Pa55');
    sandbox.context.faults.add({
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'throttle',
      ms: 1000,
      count: 2,
    });
    const error = await failureOf(vault.readPassword(secretId));
    expect(error).toMatchObject({ kind: 'throttled', code: 'Throttled', retryAfterMs: 1000 });
    expect(error.remediation).toMatch(/Key Vault asked us to wait 1 s/);
  });

  it('reports a disabled secret and a token the vault refuses as secret_unavailable', async () => {
    const vault = vaultWith();
    const { secretId } = await vault.storePassword(contoso, 'svc@contoso.com', 'parked-Pa55');
    const current = await inspector.getSecret(nameOf(secretId));
    await inspector.updateSecretProperties(nameOf(secretId), current.properties.version!, { enabled: false });
    expect(await failureOf(vault.readPassword(secretId))).toMatchObject({
      kind: 'secret_unavailable',
      code: 'SecretDisabled',
    });
    await inspector.updateSecretProperties(nameOf(secretId), current.properties.version!, { enabled: true });

    // A token from the wrong tenant: Key Vault answers 401 AKV10032.
    const foreign = vaultWith({
      credential: new SandboxAppCredential(sandbox.context, { tenantId: contoso }),
    });
    const refused = await failureOf(foreign.readPassword(secretId));
    expect(refused).toMatchObject({ kind: 'secret_unavailable', code: 'Unauthorized' });
    expect(refused.remediation).toMatch(/Update password/);
  });

  it('reports a vault whose certificate it does not trust as untrusted_certificate', async () => {
    // The app certificate is self-signed and did not issue the vault's TLS certificate.
    const vault = vaultWith({ caPem: sandbox.certs.appCertPem });
    const error = await failureOf(vault.readPassword(`${sandbox.urls.keyVault}/secrets/ews-svc-${fabrikam}`));
    expect(error.kind).toBe('untrusted_certificate');
    expect(error.code).toMatch(/CERT|SIGNATURE|ISSUER/);
    expect(error.remediation).toMatch(/Key Vault/);
  });

  it('reports a request that gets no answer as timeout, and a persistent 500 as unreachable', async () => {
    const vault = vaultWith({ requestTimeoutMs: 2_000 });
    const { secretId } = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, 'slow-Pa55');
    sandbox.context.faults.add({ service: 'keyvault', operation: 'getSecret', kind: 'timeout', count: 1 });
    expect(await failureOf(vault.readPassword(secretId))).toMatchObject({
      kind: 'timeout',
      code: 'RequestTimeout',
    });

    sandbox.context.faults.add({
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'http5xx',
      status: 500,
      count: 3,
    });
    expect(await failureOf(vault.readPassword(secretId))).toMatchObject({
      kind: 'unreachable',
      code: 'InternalServerError',
    });
  });

  it('reports a vault nobody listens on as unreachable', async () => {
    const closed = await startTestSandbox();
    const url = closed.urls.keyVault;
    await closed.close();
    const vault = vaultWith({ vaultUrl: url, retry: { maxRetries: 0 } });
    expect(await failureOf(vault.readPassword(`${url}/secrets/ews-svc-${fabrikam}`))).toMatchObject({
      kind: 'unreachable',
      code: 'ECONNREFUSED',
    });
  });

  it('keeps the SDK challenge-resource check on unless the dangerously… switch turns it off', async () => {
    // The sandbox vault lives outside *.vault.azure.net, so the SDK's check refuses its challenge.
    const strict = vaultWith({ dangerouslySkipKeyVaultResourceCheck: false, retry: { maxRetries: 0 } });
    const refused = await failureOf(strict.storePassword(contoso, 'svc@contoso.com', 'ok-Pa55'));
    expect(refused).toMatchObject({ kind: 'unexpected' });
    expect(await vaultWith().storePassword(contoso, 'svc@contoso.com', 'ok-Pa55')).toHaveProperty('secretId');
  });

  it('never lets the password reach logs, errors or return values', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const vault = vaultWith({
      logger,
      requestTimeoutMs: 2_000,
      retry: { maxRetries: 1, retryDelayInMs: 10 },
    });
    const returned: unknown[] = [];
    const errors: ExchangeConnectError[] = [];
    const expectFailure = async (action: Promise<unknown>, kind: string) => {
      const error = await failureOf(action);
      expect(error.kind).toBe(kind);
      errors.push(error);
    };
    const fault = (operation: string, kind: FaultRuleInput['kind'], extra: Partial<FaultRuleInput> = {}) =>
      sandbox.context.faults.add({ service: 'keyvault', operation, kind, count: 2, ...extra });

    const stored = await vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD);
    returned.push(stored);
    expect(await vault.readPassword(stored.secretId)).toBe(PASSWORD);
    returned.push(await vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD));

    fault('setSecret', 'http5xx', { status: 500 });
    await expectFailure(vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD), 'unreachable');
    fault('setSecret', 'malformed', { count: 1 });
    await expectFailure(vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD), 'unexpected');
    fault('getSecret', 'malformed', { count: 1 });
    await expectFailure(vault.readPassword(stored.secretId), 'unexpected');
    fault('getSecret', 'throttle', { ms: 0 });
    await expectFailure(vault.readPassword(stored.secretId), 'throttled');
    fault('setSecret', 'timeout', { count: 1 });
    await expectFailure(vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD), 'timeout');
    await expectFailure(
      vault.readPassword('https://other.vault.azure.net/secrets/ews-svc-x'),
      'secret_unavailable',
    );
    const untrusted = vaultWith({ logger, caPem: sandbox.certs.appCertPem });
    await expectFailure(
      untrusted.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD),
      'untrusted_certificate',
    );
    const foreign = vaultWith({
      logger,
      credential: new SandboxAppCredential(sandbox.context, { tenantId: contoso }),
    });
    await expectFailure(foreign.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD), 'secret_unavailable');

    returned.push(await vault.deletePassword(stored.secretId));
    await expectFailure(vault.readPassword(stored.secretId), 'secret_unavailable');
    returned.push(await vault.storePassword(fabrikam, SERVICE_ACCOUNT, PASSWORD));

    // As an upper layer would log them: pino serialises the error and its cause.
    for (const error of errors) logger.error({ err: error }, 'operation failed');
    const log = lines.join('');
    expect(log).toContain(stored.secretId);
    expect(log).toMatch(/"outcome":"stored"/);
    expect(log).toMatch(/"outcome":"failed"/);
    expect(log).not.toContain(PASSWORD);
    for (const error of errors) {
      const rendered = [
        error.message,
        error.stack,
        error.remediation,
        JSON.stringify(error),
        JSON.stringify(error.toDiagnostic()),
        String(error.cause),
        inspect(error, { depth: 10, showHidden: true }),
      ].join('\n');
      expect(rendered).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(returned)).not.toContain(PASSWORD);
    expect(errors.map((e) => e.kind)).toEqual([
      'unreachable',
      'unexpected',
      'unexpected',
      'throttled',
      'timeout',
      'secret_unavailable',
      'untrusted_certificate',
      'secret_unavailable',
      'secret_unavailable',
    ]);
  });
});
