/**
 * Issue 3 end to end through the HTTP API: the real app server (msal-node, ews-javascript-api,
 * @azure/keyvault-secrets, SQLite) against the sandbox tenant, authenticated with Teams SSO tokens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueSsoToken } from '../../sandbox/src/entra/sso';
import { sealPassword } from '../../api/src/secrets/seal-password';
import type {
  AuditView,
  ConsentPopupResult,
  ConsentStartView,
  HealthView,
  IntegrationStatusView,
  ProblemBody,
  SealingKeyView,
  SealingPurpose,
  VerificationView,
} from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { ConsentBrowser } from '../support/consent-browser';
import { httpsJson } from '../support/sandbox';

let env: AppUnderTest;
let browser: ConsentBrowser;
const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

beforeAll(async () => {
  env = await startAppUnderTest();
  browser = new ConsentBrowser(env.sandbox.agent, env.sandbox.urls.entra);
});
afterAll(() => env.close());

const call: AppUnderTest['call'] = (...args) => env.call(...args);
const consentAs: AppUnderTest['consentAs'] = (...args) => env.consentAs(...args);

function popupResult(location: string | undefined): ConsentPopupResult {
  const match = /^\/tab\/consent-end\.html#result=([A-Za-z0-9_-]+)$/.exec(location ?? '');
  if (!match) throw new Error(`unexpected redirect ${location}`);
  return JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as ConsentPopupResult;
}

describe('authentication and authorisation', () => {
  it('refuses calls without a valid Teams SSO token', async () => {
    const none = await call<ProblemBody>(null, 'GET', '/api/me');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body.code).toBe('unauthenticated');
    const forged = await httpsJson<ProblemBody>(env.sandbox.agent, `${env.appUrl}/api/me`, 'GET', undefined, {
      authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2ln',
    });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('invalid_token');
  });

  it('tells who is signed in, and lets only Global Admins connect', async () => {
    const me = await call<{ upn: string; isGlobalAdmin: boolean }>('alex@contoso.com', 'GET', '/api/me');
    expect(me.body).toMatchObject({ upn: 'alex@contoso.com', isGlobalAdmin: false });
    const refused = await call<ProblemBody>('alex@contoso.com', 'POST', '/api/integrations/modern/consent');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('not_global_admin');
    expect(refused.body.remediation).toMatch(/Global Administrator/);
    for (const [method, path] of [
      ['GET', '/api/integration'],
      ['GET', '/api/integration/audit'],
      ['POST', '/api/integration/health/check'],
      ['POST', '/api/integration/verify'],
      ['DELETE', '/api/integration'],
      // Refused whatever the body: an empty one, as here, is not even read.
      ['PUT', '/api/integration/password'],
      ['POST', '/api/integrations/basic'],
      ['POST', '/api/sealing-key'],
    ] as const) {
      const res = await call<ProblemBody>(
        'alex@contoso.com',
        method,
        path,
        method === 'POST' || method === 'PUT' ? {} : undefined,
      );
      expect({ method, path, status: res.status, code: res.body?.code }).toEqual({
        method,
        path,
        status: 403,
        code: 'not_global_admin',
      });
    }
  });

  it('rejects malformed input with problem+json naming the field, storing nothing', async () => {
    const bad = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: 'not a url',
      serviceAccount: '',
      sealedPassword: { kid: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    expect(bad.body.issues?.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['ewsUrl', 'serviceAccount', 'sealedPassword.ciphertext']),
    );
    const status = await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration');
    expect(status.body.integration).toBeNull();
  });
});

describe('a service account that is not a UPN or DOMAIN\\user', () => {
  it('is refused at the API boundary, naming the field, before anything is opened or stored', async () => {
    const res = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
      serviceAccount: 'svc@fabrikam.com$(Add-RoleGroupMember "Organization Management" -Member evil)',
      // Well-formed, so only the service account is refused.
      sealedPassword: { kid: 'k'.repeat(43), ciphertext: 'aGVhZGVy.a2V5.aXY.Y2lwaGVy.dGFn' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
    expect(res.body.issues).toEqual([
      {
        path: ['serviceAccount'],
        message: 'must be a user principal name (user@domain.tld) or DOMAIN\\user',
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('Add-RoleGroupMember');
  });
});

describe('requests the server cannot use', () => {
  it('a password sealed to an unknown key is a 400 telling the admin to reload, not a 500', async () => {
    const granted = (
      await call<SealingKeyView>('admin@fabrikam.com', 'POST', '/api/sealing-key', { purpose: 'connect' })
    ).body;
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const otherKey = publicKey.export({ format: 'jwk' }) as SealingKeyView['jwk'];
    const res = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealPassword({ ...granted, kid: 'not-our-key', jwk: otherKey }, 'Pa55!'),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_sealed_password');
    expect(res.body.detail).toMatch(/Reload the page/);
  });

  it('a body that is not JSON is a 400 invalid_json problem', async () => {
    const res = await httpsJson<ProblemBody>(
      env.sandbox.agent,
      `${env.appUrl}/api/integration/verify`,
      'POST',
      '{"mailbox":',
      {
        authorization: `Bearer ${await issueSsoToken(env.sandbox.context, 'admin@fabrikam.com')}`,
        'content-type': 'application/json',
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('invalid_json');
  });

  it('an oversized body is a 413 problem, not a 500', async () => {
    const res = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integration/verify', {
      mailbox: `${'a'.repeat(40_000)}@fabrikam.com`,
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('Exchange Online: admin consent and verification', () => {
  it('rejects a callback with a missing, forged or reused state and stores nothing', async () => {
    const missing = await browser.browse(
      `${env.appUrl}/auth/consent/callback?admin_consent=True&tenant=${CONTOSO}`,
    );
    expect(missing.status).toBe(400);
    const forged = await browser.browse(
      `${env.appUrl}/auth/consent/callback?admin_consent=True&tenant=${CONTOSO}&state=forged`,
    );
    expect(forged.status).toBe(400);
    const status = await call<IntegrationStatusView>('admin@contoso.com', 'GET', '/api/integration');
    expect(status.body.integration).toBeNull();
  });

  it('the start page redirects to exactly the URL rebuilt from the stored state, and refuses whatever the query adds (400)', async () => {
    const started = await call<ConsentStartView>(
      'admin@contoso.com',
      'POST',
      '/api/integrations/modern/consent',
      {},
    );
    expect(started.status).toBe(201);
    const startUrl = new URL(started.body.startUrl);
    expect([...startUrl.searchParams.keys()]).toEqual(['state']);
    const state = startUrl.searchParams.get('state')!;
    const expected = new URL(`${env.sandbox.urls.entra}/${CONTOSO}/v2.0/adminconsent`);
    expected.searchParams.set('client_id', env.sandbox.context.seed.app.clientId);
    expected.searchParams.set('scope', 'https://graph.microsoft.com/.default');
    expected.searchParams.set('redirect_uri', `${env.appUrl}/auth/consent/callback`);
    expected.searchParams.set('state', state);

    const fabrikam = env.sandbox.context.seed.tenants[1]!.id;
    // What the old start page passed through: Entra's consent URL for our app, another tenant and scope.
    const phishing = new URL(`${env.sandbox.urls.entra}/${fabrikam}/v2.0/adminconsent`);
    phishing.searchParams.set('client_id', env.sandbox.context.seed.app.clientId);
    phishing.searchParams.set('scope', 'https://outlook.office365.com/.default');
    phishing.searchParams.set('redirect_uri', 'https://evil.example/steal');
    phishing.searchParams.set('state', state);
    const start = `${env.appUrl}/auth/consent/start`;
    const q = (params: Record<string, string>) => `${start}?${new URLSearchParams(params).toString()}`;
    for (const attempt of [
      q({ u: phishing.toString() }),
      q({ state, u: phishing.toString() }),
      q({ state, tenant: fabrikam }),
      q({ state, scope: 'https://outlook.office365.com/.default' }),
      q({ state, redirect_uri: 'https://evil.example/steal' }),
      `${start}?state=${state}&state=${state}`,
      q({ state: 'forged' }),
      start,
    ]) {
      const refused = await browser.browse(attempt);
      expect({ attempt, status: refused.status, location: refused.location }).toEqual({
        attempt,
        status: 400,
        location: undefined,
      });
    }

    const good = await browser.browse(started.body.startUrl);
    expect(good.status).toBe(302);
    expect(good.location).toBe(expected.toString());
    // Opening the start page does not use the state up: the callback still takes it.
    const redirect = await browser.consent(good.location!, 'admin@contoso.com', 'cancel');
    const callback = await browser.browse(redirect.location!);
    expect(popupResult(callback.location)).toMatchObject({ outcome: 'declined' });
  });

  it('a cancelled consent comes back as declined with AADSTS65004', async () => {
    const { callback } = await consentAs('admin@contoso.com', 'cancel');
    expect(popupResult(callback.location)).toMatchObject({ outcome: 'declined', code: 'AADSTS65004' });
  });

  it('connects: consent, then verification opens the admin mailbox; the state cannot be replayed', async () => {
    const { callback, callbackUrl } = await consentAs('admin@contoso.com');
    expect(popupResult(callback.location)).toMatchObject({ outcome: 'granted' });
    const replay = await browser.browse(callbackUrl);
    expect(replay.status).toBe(400);

    const verified = await call<VerificationView>('admin@contoso.com', 'POST', '/api/integration/verify', {});
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ outcome: 'verified' });
    expect(verified.body.mailbox).toBe('admin@contoso.com');
    expect(verified.body.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'endpoint:ok',
      'token:ok',
      'permission:ok',
      'mailbox:ok',
      'rooms:ok',
    ]);
    expect(verified.body.steps.find((s) => s.name === 'rooms')?.detail).toMatchObject({
      roomLists: 1,
      reachable: 3,
    });

    const status = await call<IntegrationStatusView>('admin@contoso.com', 'GET', '/api/integration');
    expect(status.body.integration).toMatchObject({
      method: 'modern',
      status: 'verified',
      verifiedMailbox: 'admin@contoso.com',
      consentedBy: 'admin@contoso.com',
    });
    expect(status.body.latestVerification).toMatchObject({ outcome: 'verified' });
    // A successful verification refreshes health at once (issue 11: the two never disagree).
    expect(status.body.health?.state).toBe('healthy');
    expect(Date.parse(status.body.health!.lastRunAt!)).toBeGreaterThanOrEqual(
      Date.parse(status.body.latestVerification!.finishedAt),
    );

    const health = await call<HealthView>('admin@contoso.com', 'POST', '/api/integration/health/check');
    expect(health.status).toBe(200);
    expect(health.body.state).toBe('healthy');
    expect(health.body.checks.map((c) => `${c.check}:${c.status}`)).toEqual(
      expect.arrayContaining(['token:ok', 'certificate:ok', 'mailbox:ok', 'rooms:ok']),
    );
    // Over Microsoft Graph, EWS's allow list is not this connection's concern.
    expect(health.body.checks.map((c) => c.check)).not.toContain('ewsAllowList');
    const refused = await call<ProblemBody>('alex@contoso.com', 'POST', '/api/integration/health/check');
    expect(refused.status).toBe(403);
  });

  it('one tenant never sees another tenant’s integration', async () => {
    const other = await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration');
    expect(other.body.integration).toBeNull();
  });

  it('explains a missing mailbox over Microsoft Graph (MailboxNotEnabledForRESTAPI)', async () => {
    const noMailbox = await call<VerificationView>(
      'admin.nomailbox@contoso.com',
      'POST',
      '/api/integration/verify',
      {
        mailbox: 'admin.nomailbox@contoso.com',
      },
    );
    expect(noMailbox.body.outcome).toBe('failed');
    const mailboxStep = noMailbox.body.steps.at(-1);
    expect(mailboxStep).toMatchObject({
      name: 'mailbox',
      status: 'failed',
      code: 'MailboxNotEnabledForRESTAPI',
    });
    expect(mailboxStep?.remediation).toMatch(/needs a mailbox/);
  });

  it('legacy EWS: explains a missing mailbox, and the EWS allow list when EWS is blocked', async () => {
    await consentAs('admin@contoso.com', 'accept', 'ews');
    const noMailbox = await call<VerificationView>(
      'admin.nomailbox@contoso.com',
      'POST',
      '/api/integration/verify',
      {
        mailbox: 'admin.nomailbox@contoso.com',
      },
    );
    expect(noMailbox.body.outcome).toBe('failed');
    const mailboxStep = noMailbox.body.steps.at(-1);
    expect(mailboxStep).toMatchObject({ name: 'mailbox', status: 'failed', code: 'ErrorNonExistentMailbox' });
    expect(mailboxStep?.remediation).toMatch(/needs a mailbox/);

    await env.sandbox.control('PUT', `/exchange/ews/${CONTOSO}`, { enabled: null, allowedAppIds: [] });
    try {
      const blocked = await call<VerificationView>('admin@contoso.com', 'POST', '/api/integration/verify', {
        mailbox: 'admin@contoso.com',
      });
      // EWS never turned on for the organisation: "EWS is disabled for this user or tenant".
      expect(blocked.body.diagnostic).toMatchObject({ kind: 'ews_blocked', code: 'EwsDisabled' });
      expect(blocked.body.diagnostic?.remediation).toContain(
        "Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ((@($ids) + '52c54a6a-55a3-4c79-a19b-df6eae6b8dda' | Sort-Object -Unique) -join ',')",
      );
      expect(blocked.body.diagnostic?.remediation).toContain(
        "Set-CASMailbox -Identity 'admin@contoso.com' -EwsEnabled $true",
      );
      expect(blocked.body.diagnostic?.remediation).toContain('2027-04-01');
    } finally {
      await env.sandbox.control('PUT', `/exchange/ews/${CONTOSO}`, {
        enabled: true,
        allowedAppIds: ['52c54a6a-55a3-4c79-a19b-df6eae6b8dda'],
      });
    }
    // Back to Microsoft Graph, the default, for the tests that follow.
    await consentAs('admin@contoso.com');
  });

  it('verifies with a room mailbox when the admin picks one, and says which mailbox was used', async () => {
    const room = await call<VerificationView>('admin@contoso.com', 'POST', '/api/integration/verify', {
      mailbox: 'room.oslo@contoso.com',
    });
    expect(room.body).toMatchObject({ outcome: 'verified' });
    expect(room.body.mailbox).toBe('room.oslo@contoso.com');
  });

  it('disconnects and audits every admin action', async () => {
    expect((await call('admin@contoso.com', 'DELETE', '/api/integration')).status).toBe(204);
    const status = await call<IntegrationStatusView>('admin@contoso.com', 'GET', '/api/integration');
    expect(status.body.integration).toBeNull();
    const audit = await call<{ entries: { action: string; result: string; actorUpn: string }[] }>(
      'admin@contoso.com',
      'GET',
      '/api/integration/audit',
    );
    const actions = audit.body.entries.map((e) => `${e.action}:${e.result}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'consent.start:success',
        'consent.complete:failure',
        'consent.complete:success',
        'integration.verify:success',
        'integration.verify:failure',
        'integration.disconnect:success',
      ]),
    );
  });
});

describe('Exchange Server: service account in Key Vault', () => {
  const password = `Pw-${randomBytes(12).toString('base64url')}`;
  const ewsUrl = () => `${env.sandbox.urls.exchangeServer}/EWS/Exchange.asmx`;

  async function grant(upn: string, purpose: SealingPurpose = 'connect') {
    const key = await call<SealingKeyView>(upn, 'POST', '/api/sealing-key', { purpose });
    expect(key.status).toBe(201);
    expect(key.body.jwk).not.toHaveProperty('d');
    return key.body;
  }
  async function sealed(upn: string, value: string, purpose: SealingPurpose = 'connect') {
    return sealPassword(await grant(upn, purpose), value);
  }

  beforeAll(async () => {
    await env.sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/password', {
      password,
    });
  });

  it('a Key Vault write failure while connecting stores nothing and audits the failure', async () => {
    const auditNow = async () =>
      (await call<AuditView>('admin@fabrikam.com', 'GET', '/api/integration/audit')).body.entries;
    const before = (await auditNow()).length;
    await env.sandbox.control('POST', '/faults', {
      service: 'keyvault',
      operation: 'setSecret',
      kind: 'http5xx',
      status: 500,
      count: 10,
    });
    try {
      const res = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
        ewsUrl: ewsUrl(),
        serviceAccount: 'svc-ews@fabrikam.com',
        sealedPassword: await sealed('admin@fabrikam.com', password),
      });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 502, code: 'unreachable' });
    } finally {
      await env.sandbox.control('DELETE', '/faults');
    }
    const status = await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration');
    expect(status.body.integration).toBeNull();
    const after = await auditNow();
    expect(after).toHaveLength(before + 1);
    expect(after[0]).toMatchObject({ action: 'integration.connect.basic', result: 'failure' });
  });

  describe('sealed passwords bound to who sealed them and for what (400 before anything is opened)', () => {
    let recorder: https.Server;
    let recorderUrl: string;
    const recorded: string[] = [];
    beforeAll(async () => {
      const tls = { cert: env.sandbox.certs.tlsCertPem, key: env.sandbox.certs.tlsKeyPem };
      recorder = https.createServer(tls, (req, res) => {
        recorded.push(req.headers.authorization ?? '(none)');
        req.resume();
        req.on('end', () => res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end());
      });
      await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
      recorderUrl = `https://localhost:${(recorder.address() as AddressInfo).port}/EWS/Exchange.asmx`;
    });
    afterAll(async () => {
      recorder.closeAllConnections();
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    });

    it("the issue's attack: Fabrikam's sealed password posted by Contoso's admin, with an EWS URL of their choosing, is refused and nothing goes there", async () => {
      const fabrikams = await sealed('admin@fabrikam.com', password);
      const attack = await call<ProblemBody>('admin@contoso.com', 'POST', '/api/integrations/basic', {
        ewsUrl: recorderUrl,
        serviceAccount: 'svc-ews@fabrikam.com',
        sealedPassword: fabrikams,
      });
      expect({ status: attack.status, code: attack.body.code }).toEqual({
        status: 400,
        code: 'sealed_password_other_tenant',
      });
      expect(attack.body.detail).not.toContain(password);
      expect(recorded).toEqual([]);
      const contoso = await call<IntegrationStatusView>('admin@contoso.com', 'GET', '/api/integration');
      expect(contoso.body.integration?.method).not.toBe('basic');
      const audit = await call<AuditView>('admin@contoso.com', 'GET', '/api/integration/audit');
      expect(audit.body.entries[0]).toMatchObject({ action: 'integration.connect.basic', result: 'failure' });
    });

    it('a sealed password is used once: the replay is refused', async () => {
      const once = await sealed('admin@fabrikam.com', password);
      const online = {
        ewsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
        serviceAccount: 'svc-ews@fabrikam.com',
        sealedPassword: once,
      };
      const first = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', online);
      expect(first.body.code).toBe('wrong_method');
      const replay = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', online);
      expect({ status: replay.status, code: replay.body.code }).toEqual({
        status: 400,
        code: 'sealed_password_replayed',
      });
    });

    it('an expired one, or one sealed for a password update, cannot connect', async () => {
      const granted = await grant('admin@fabrikam.com');
      const stale = await sealPassword(
        { ...granted, binding: { ...granted.binding, exp: Math.floor(Date.now() / 1000) - 1 } },
        password,
      );
      const connect = (sealedPassword: unknown) =>
        call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
          ewsUrl: recorderUrl,
          serviceAccount: 'svc-ews@fabrikam.com',
          sealedPassword,
        });
      expect((await connect(stale)).body).toMatchObject({ status: 400, code: 'sealed_password_expired' });
      const forUpdate = await sealed('admin@fabrikam.com', password, 'update');
      expect((await connect(forUpdate)).body).toMatchObject({
        status: 400,
        code: 'sealed_password_other_purpose',
      });
      expect(recorded).toEqual([]);
    });

    it('only Global Admins get a sealing grant', async () => {
      const refused = await call<ProblemBody>('alex@contoso.com', 'POST', '/api/sealing-key', {
        purpose: 'connect',
      });
      expect({ status: refused.status, code: refused.body.code }).toEqual({
        status: 403,
        code: 'not_global_admin',
      });
      const bad = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/sealing-key', {
        purpose: 'steal',
      });
      expect(bad.status).toBe(400);
    });
  });

  it('refuses Exchange Online for Basic Authentication and plain http for credentials', async () => {
    const online = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', password),
    });
    expect(online.status).toBe(400);
    expect(online.body.code).toBe('wrong_method');
    const plain = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: ewsUrl().replace('https:', 'http:'),
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', password),
    });
    expect(plain.status).toBe(400);
    expect(plain.body.code).toBe('endpoint_not_allowed');
  });

  it('a wrong password is refused with 400 invalid_credentials and stores nothing; the right one verifies, then reaches Key Vault', async () => {
    const wrong = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: ewsUrl(),
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', `${password}-wrong`),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials', microsoftCode: expect.any(String) });
    expect(wrong.body.remediation).toContain('Update password');
    expect(
      (await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration')).body.integration,
    ).toBeNull();

    const right = await call<VerificationView>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      ewsUrl: ewsUrl(),
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', password),
    });
    expect(right.body).toMatchObject({ outcome: 'verified' });
    expect(right.body.steps.map((s) => s.name)).toEqual([
      'endpoint',
      'credentials',
      'mailbox',
      'rooms',
      'keyVault',
    ]);
    expect(right.body.steps.find((s) => s.name === 'credentials')?.detail).toMatchObject({
      password: 'entered',
    });
    // Like any successful verification, new credentials refresh health at once (issue 11).
    const status = await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration');
    expect(status.body.health?.state).toBe('healthy');
    expect(status.body.health?.lastRunAt).toEqual(expect.any(String));
  });

  it('a wrong new password leaves the working one and the connection untouched', async () => {
    const before = (await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration')).body
      .integration;
    expect(before?.status).toBe('verified');
    const wrong = await call<ProblemBody>('admin@fabrikam.com', 'PUT', '/api/integration/password', {
      sealedPassword: await sealed('admin@fabrikam.com', `${password}-typo`, 'update'),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_credentials');
    const after = (await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration')).body
      .integration;
    expect(after).toEqual(before);
    // The stored password still works: a re-verification reads it from Key Vault.
    const again = await call<VerificationView>('admin@fabrikam.com', 'POST', '/api/integration/verify', {});
    expect(again.body).toMatchObject({ outcome: 'verified' });

    const right = await call<VerificationView>('admin@fabrikam.com', 'PUT', '/api/integration/password', {
      sealedPassword: await sealed('admin@fabrikam.com', password, 'update'),
    });
    expect(right.body).toMatchObject({ outcome: 'verified' });
    const checked = (await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration')).body
      .health?.lastRunAt;
    expect(Date.parse(checked ?? '')).toBeGreaterThanOrEqual(Date.parse(right.body.finishedAt));
  });

  it('the same wrong password found through Autodiscover gets the same answer: 400 invalid_credentials', async () => {
    const wrong = await call<ProblemBody>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      autodiscoverAddress: 'admin@fabrikam.com',
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', `${password}-wrong`),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect(wrong.body.remediation).toContain('Update password');
  });

  it('finds the EWS URL with Autodiscover from an e-mail address', async () => {
    const found = await call<VerificationView>('admin@fabrikam.com', 'POST', '/api/integrations/basic', {
      autodiscoverAddress: 'admin@fabrikam.com',
      serviceAccount: 'svc-ews@fabrikam.com',
      sealedPassword: await sealed('admin@fabrikam.com', password),
    });
    expect(found.body).toMatchObject({ outcome: 'verified' });
    const status = await call<IntegrationStatusView>('admin@fabrikam.com', 'GET', '/api/integration');
    expect(status.body.integration?.ewsUrl).toBe(
      `https://mail.fabrikam.com:${new URL(env.sandbox.urls.exchangeServer).port}/EWS/Exchange.asmx`,
    );
  });

  it('gives the ApplicationImpersonation command when impersonation was removed', async () => {
    await env.sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/impersonation', {
      granted: false,
    });
    try {
      const denied = await call<VerificationView>(
        'admin@fabrikam.com',
        'POST',
        '/api/integration/verify',
        {},
      );
      expect(denied.body.diagnostic).toMatchObject({
        kind: 'impersonation_denied',
        code: 'ErrorImpersonateUserDenied',
      });
      expect(denied.body.diagnostic?.remediation).toContain(
        "New-ManagementRoleAssignment -Name 'Exchange Connect impersonation' -Role 'ApplicationImpersonation' -User 'svc-ews@fabrikam.com'",
      );
    } finally {
      await env.sandbox.control('PUT', '/exchange/service-accounts/svc-ews@fabrikam.com/impersonation', {
        granted: true,
      });
    }
  });

  it('never lets the password reach the database, logs, responses or audit entries', async () => {
    await call('admin@fabrikam.com', 'GET', '/api/integration/audit');
    await call('admin@fabrikam.com', 'DELETE', '/api/integration');
    const haystacks: [string, string][] = [
      ['logs', env.logs.join('')],
      ['responses', env.responses.join('\n')],
    ];
    for (const file of [env.databaseFile, `${env.databaseFile}-wal`]) {
      if (existsSync(file)) haystacks.push([file, readFileSync(file).toString('latin1')]);
    }
    expect(env.logs.join('')).toContain('"path":"/api/integration/password"');
    for (const [where, text] of haystacks) {
      expect({ where, leaked: text.includes(password) }).toEqual({ where, leaked: false });
      expect({ where, leaked: text.includes(Buffer.from(password).toString('base64')) }).toEqual({
        where,
        leaked: false,
      });
    }
  });
});
