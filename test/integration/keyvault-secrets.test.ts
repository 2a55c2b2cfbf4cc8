/**
 * The sandbox Key Vault driven by the real @azure/keyvault-secrets SecretClient over HTTPS: the
 * bearer challenge, secrets and their versions, soft delete / recover / purge, Key Vault's errors
 * and injected faults.
 */
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { startTestSandbox, httpsJson, type TestSandbox } from '../support/sandbox';
import { SandboxAppCredential, SANDBOX_SERVICE_PRINCIPAL_ID } from '../support/sandbox-credential';
import { RESOURCES, issueAppOnlyToken } from '../../sandbox/src/access-tokens';

interface ObservedRequest {
  method: string;
  url: string;
  authorized: boolean;
  status: number;
  challenge: string | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

describe('sandbox Key Vault with @azure/keyvault-secrets', () => {
  let sandbox: TestSandbox;
  let clock = Date.parse('2026-11-02T09:30:00Z');
  let publisherTenantId: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: () => clock });
    publisherTenantId = sandbox.context.seed.publisher.tenantId;
  });
  afterAll(() => sandbox.close());

  /** A fresh client that trusts the sandbox CA explicitly and records every attempt it sends. */
  function vaultClient(
    credential = new SandboxAppCredential(sandbox.context),
    options: SecretClientOptions = {},
  ) {
    const observed: ObservedRequest[] = [];
    const observer: PipelinePolicy = {
      name: 'observeAttempts',
      async sendRequest(request, next) {
        const response = await next(request);
        observed.push({
          method: request.method,
          url: request.url,
          authorized: request.headers.has('authorization'),
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
        });
        return response;
      },
    };
    const client = new SecretClient(sandbox.urls.keyVault, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: sandbox.certs.caCertPem },
      retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
      additionalPolicies: [{ policy: observer, position: 'perRetry' }],
      ...options,
    });
    return { client, credential, observed };
  }

  async function restErrorOf(action: Promise<unknown>) {
    const error: unknown = await action.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'RestError' });
    return error as { code?: string; statusCode?: number; message: string; details?: unknown };
  }

  const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

  it('opens with an unauthenticated request, and the challenge names the publisher tenant and the vault resource', async () => {
    const { client, credential, observed } = vaultClient();
    await client.setSecret('challenge-probe', 'first');

    expect(observed[0]).toMatchObject({ method: 'PUT', authorized: false, status: 401 });
    expect(observed[0]!.challenge).toBe(
      `Bearer authorization="${sandbox.urls.entra}/${publisherTenantId}", resource="https://vault.azure.net"`,
    );
    expect(observed[1]).toMatchObject({ method: 'PUT', authorized: true, status: 200 });
    expect(new URL(observed[1]!.url).searchParams.get('api-version')).toBe('2025-07-01');
    expect(credential.requests).toEqual([
      { scopes: ['https://vault.azure.net/.default'], tenantId: publisherTenantId },
    ]);
  });

  it('sets a secret and reads the latest version with its attributes', async () => {
    const { client } = vaultClient();
    // 4.11.1 accepts `contentType` in SetSecretOptions but never sends it, so it is not asserted here.
    const set = await client.setSecret('fabrikam-svc-ews', 'Sandbox-Only-Pa55!', {
      tags: { integration: 'fabrikam' },
    });
    const version = set.properties.version!;
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(set.properties.id).toBe(`${sandbox.urls.keyVault}/secrets/fabrikam-svc-ews/${version}`);

    const latest = await client.getSecret('fabrikam-svc-ews');
    expect(latest.value).toBe('Sandbox-Only-Pa55!');
    expect(latest.properties).toMatchObject({
      name: 'fabrikam-svc-ews',
      version,
      vaultUrl: sandbox.urls.keyVault,
      enabled: true,
      tags: { integration: 'fabrikam' },
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
      createdOn: seconds(clock),
      updatedOn: seconds(clock),
    });
  });

  it('writes a new version on each set, keeps the old one readable and lists both', async () => {
    const { client } = vaultClient();
    const first = await client.setSecret('rotating', 'one');
    clock += 60_000;
    const second = await client.setSecret('rotating', 'two');
    expect(second.properties.version).not.toBe(first.properties.version);

    expect((await client.getSecret('rotating')).value).toBe('two');
    expect((await client.getSecret('rotating', { version: first.properties.version! })).value).toBe('one');

    const versions: string[] = [];
    for await (const properties of client.listPropertiesOfSecretVersions('rotating'))
      versions.push(properties.version!);
    expect(versions.sort()).toEqual([first.properties.version!, second.properties.version!].sort());
  });

  it('lists secrets page by page through nextLink', async () => {
    const { client, observed } = vaultClient();
    for (const name of ['paged-a', 'paged-b', 'paged-c', 'paged-d', 'paged-e'])
      await client.setSecret(name, 'x');

    const pages: string[][] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
      pages.push(page.map((p) => p.name));
    }
    const names = pages.flat();
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect(pages.length).toBe(Math.ceil(names.length / 2));
    expect(names).toEqual(expect.arrayContaining(['paged-a', 'paged-b', 'paged-c', 'paged-d', 'paged-e']));
    expect(new Set(names).size).toBe(names.length);
    expect(observed.filter((r) => r.url.includes('$skiptoken=')).length).toBe(pages.length - 1);
  });

  it('updates properties of a version; a disabled secret cannot be read', async () => {
    const { client } = vaultClient();
    const set = await client.setSecret('toggled', 'value');
    clock += 1000;
    const updated = await client.updateSecretProperties('toggled', set.properties.version!, {
      enabled: false,
      tags: { state: 'parked' },
    });
    expect(updated).toMatchObject({ enabled: false, tags: { state: 'parked' }, updatedOn: seconds(clock) });

    const refused = await restErrorOf(client.getSecret('toggled'));
    expect(refused).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect(refused.message).toBe('Operation get is not allowed on a disabled secret.');

    await client.updateSecretProperties('toggled', set.properties.version!, { enabled: true });
    expect((await client.getSecret('toggled')).value).toBe('value');
  });

  it('answers SecretNotFound 404 for a name it does not hold', async () => {
    const { client } = vaultClient();
    const error = await restErrorOf(client.getSecret('never-written'));
    expect(error).toMatchObject({ code: 'SecretNotFound', statusCode: 404 });
    expect(error.message).toMatch(
      /^A secret with \(name\/id\) never-written was not found in this key vault\./,
    );
  });

  it('answers BadParameter 400 for a name Key Vault does not allow', async () => {
    const { client } = vaultClient();
    const error = await restErrorOf(client.setSecret('not_allowed', 'x'));
    expect(error).toMatchObject({ code: 'BadParameter', statusCode: 400 });
    expect(error.message).toBe('The request URI contains an invalid name: not_allowed');
  });

  it('soft-deletes, recovers, deletes again and purges', async () => {
    const { client } = vaultClient();
    await client.setSecret('short-lived', 'v1');
    const deletedAt = clock;

    const deleting = await client.beginDeleteSecret('short-lived', { intervalInMs: 10 });
    const deleted = await deleting.pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${sandbox.urls.keyVault}/deletedsecrets/short-lived`);
    expect(deleted.properties.deletedOn).toEqual(seconds(deletedAt));
    expect(deleted.properties.scheduledPurgeDate).toEqual(seconds(deletedAt + 90 * DAY_MS));

    expect((await client.getDeletedSecret('short-lived')).name).toBe('short-lived');
    const listed: string[] = [];
    for await (const item of client.listDeletedSecrets()) listed.push(item.name);
    expect(listed).toContain('short-lived');
    expect(await restErrorOf(client.getSecret('short-lived'))).toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });

    const conflict = await restErrorOf(client.setSecret('short-lived', 'v2'));
    expect(conflict).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect(conflict.details).toMatchObject({
      error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } },
    });

    const recovering = await client.beginRecoverDeletedSecret('short-lived', { intervalInMs: 10 });
    expect((await recovering.pollUntilDone()).name).toBe('short-lived');
    expect((await client.getSecret('short-lived')).value).toBe('v1');

    await (await client.beginDeleteSecret('short-lived', { intervalInMs: 10 })).pollUntilDone();
    await client.purgeDeletedSecret('short-lived');
    expect(await restErrorOf(client.getDeletedSecret('short-lived'))).toMatchObject({ statusCode: 404 });
    expect(await restErrorOf(client.getSecret('short-lived'))).toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
    expect((await client.setSecret('short-lived', 'reborn')).value).toBe('reborn');
  });

  it('refuses a token issued for another tenant with AKV10032', async () => {
    const contoso = sandbox.context.seed.tenants[0]!.id;
    const { client, credential } = vaultClient(
      new SandboxAppCredential(sandbox.context, { tenantId: contoso }),
    );
    const error = await restErrorOf(client.getSecret('fabrikam-svc-ews'));
    expect(error).toMatchObject({ statusCode: 401, code: 'Unauthorized' });
    expect(error.message).toBe(
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${publisherTenantId}/, found https://sts.windows.net/${contoso}/.`,
    );
    expect(credential.requests[0]?.tenantId).toBe(publisherTenantId);
  });

  it('retries a throttled request after Retry-After and succeeds', async () => {
    const { client, observed } = vaultClient();
    await client.setSecret('busy', 'value');
    const fault = await sandbox.control('POST', '/faults', {
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'throttle',
      ms: 0,
      count: 1,
    });
    expect(fault.status).toBe(201);
    const before = observed.length;

    expect((await client.getSecret('busy')).value).toBe('value');
    expect(observed.slice(before).map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries a 503 and surfaces a persistent 500 as a RestError', async () => {
    const { client, observed } = vaultClient();
    await client.setSecret('flaky', 'value');
    sandbox.context.faults.add({
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'http5xx',
      status: 503,
      count: 1,
    });
    let before = observed.length;
    expect((await client.getSecret('flaky')).value).toBe('value');
    expect(observed.slice(before).map((r) => r.status)).toEqual([503, 200]);

    sandbox.context.faults.add({
      service: 'keyvault',
      operation: 'getSecret',
      kind: 'http5xx',
      status: 500,
      count: 3,
    });
    before = observed.length;
    expect(await restErrorOf(client.getSecret('flaky'))).toMatchObject({
      statusCode: 500,
      code: 'InternalServerError',
    });
    expect(observed.slice(before).map((r) => r.status)).toEqual([500, 500, 500]);
  });

  it('leaves a request unanswered until the client gives up, and breaks the body on request', async () => {
    const { client } = vaultClient();
    await client.setSecret('unreliable', 'value');
    sandbox.context.faults.add({ service: 'keyvault', operation: 'getSecret', kind: 'timeout', count: 1 });
    const timedOut: unknown = await client
      .getSecret('unreliable', { requestOptions: { timeout: 500 } })
      .catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ name: 'AbortError' });

    sandbox.context.faults.add({ service: 'keyvault', operation: 'getSecret', kind: 'malformed', count: 1 });
    expect(await restErrorOf(client.getSecret('unreliable'))).toMatchObject({
      code: 'PARSE_ERROR',
      statusCode: 200,
    });
    expect((await client.getSecret('unreliable')).value).toBe('value');
  });

  describe('on the wire', () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      httpsJson<{ error: { code: string; message: string } }>(
        sandbox.agent,
        `${sandbox.urls.keyVault}${path}`,
        'GET',
        undefined,
        headers,
      );
    const tokenNow = () =>
      issueAppOnlyToken(sandbox.context, {
        tenantId: publisherTenantId,
        appId: sandbox.context.seed.app.clientId,
        resource: RESOURCES.keyVault,
        servicePrincipalId: SANDBOX_SERVICE_PRINCIPAL_ID,
      });

    it('answers a request without a token with the challenge and Key Vault error body', async () => {
      const res = await get('/secrets/anything/?api-version=2025-07-01');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain(
        `authorization="${sandbox.urls.entra}/${publisherTenantId}"`,
      );
      expect(res.body).toEqual({
        error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
      });
    });

    it('refuses an expired token with TokenExpired and a fresh challenge', async () => {
      const token = await tokenNow();
      const issuedAt = clock;
      clock += 2 * 60 * 60 * 1000;
      try {
        const res = await get('/secrets?api-version=2025-07-01', { authorization: `Bearer ${token}` });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBeDefined();
        expect(res.body.error).toEqual({
          code: 'Unauthorized',
          message: "[TokenExpired] Error validating token: 'S2S12086'.",
        });
      } finally {
        clock = issuedAt;
      }
    });

    it('refuses a token whose signature does not verify', async () => {
      const [header, payload] = (await tokenNow()).split('.');
      const res = await get('/secrets?api-version=2025-07-01', {
        authorization: `Bearer ${header}.${payload}.AAAA`,
      });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(
        /^AKV10046: Unable to resolve the key used for signature validation\./,
      );
    });

    it('reads the api-version however the query is encoded and rejects one it does not know', async () => {
      const authorization = `Bearer ${await tokenNow()}`;
      expect((await get('/secrets?api%2Dversion=7.6', { authorization })).status).toBe(200);
      const res = await get('/secrets?api-version=1999-01-01', { authorization });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        code: 'BadParameter',
        message:
          'The specified version (1999-01-01) is not recognized. Consider using the latest supported version (2025-07-01).',
      });
    });
  });
});
