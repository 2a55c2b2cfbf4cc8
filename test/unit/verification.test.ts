import { ExchangeConnectError, type ErrorKind } from '../../api/src/errors';
import { remediationFor } from '../../api/src/remediation';
import type { AppTokenProvider } from '../../api/src/identity/port';
import type { ConnectionRequest, MailboxAccess, MailboxProtocol } from '../../api/src/exchange/port';
import type { SecretVault } from '../../api/src/secrets/port';
import { traceText } from '../../api/src/integrations/trace-text';
import {
  DEFAULT_MAX_ROOMS_PER_VERIFICATION,
  DEFAULT_VERIFICATION_DEADLINE_MS,
  verifyIntegration,
  type VerificationDeps,
  type VerifiableIntegration,
} from '../../api/src/integrations/verification';

const APP_ID = '52c54a6a-55a3-4c79-a19b-df6eae6b8dda';
const NOW = Date.parse('2026-11-28T12:00:00Z');
const fail = (kind: ErrorKind, code: string) =>
  new ExchangeConnectError({
    kind,
    code,
    message: `${code} happened`,
    remediation: remediationFor(kind, { appId: APP_ID }),
  });

/** A mailbox protocol whose access each test may script; it records what it was asked to connect. */
function fakeProtocol(
  access: Partial<MailboxAccess> = {},
  connected: ConnectionRequest[] = [],
): MailboxProtocol {
  return {
    protocol: 'ews',
    connect: (request) => {
      connected.push(request);
      return {
        protocol: 'ews',
        openCalendar: async () => ({ displayName: 'Calendar', totalCount: 3 }),
        listRoomLists: async () => [{ address: 'rooms.hq@contoso.com', name: 'HQ' }],
        listRooms: async () => [{ address: 'room.oslo@contoso.com', name: 'Oslo' }],
        countCalendarItems: async () => 0,
        ...access,
      };
    },
  };
}

function deps(overrides: Partial<VerificationDeps> = {}): VerificationDeps {
  const tokens: AppTokenProvider = {
    getAppToken: async () => ({
      accessToken: 't',
      expiresOn: new Date(NOW + 3600e3),
      roles: ['full_access_as_app'],
    }),
  };
  const vault: SecretVault = {
    storePassword: async () => ({ secretId: 'https://vault/secrets/x' }),
    readPassword: async () => 'pw',
    deletePassword: async () => undefined,
  };
  let clock = NOW;
  return {
    appId: APP_ID,
    exchangeOnlineEwsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
    graphUrl: 'https://graph.microsoft.com',
    tokens,
    protocols: { ews: fakeProtocol() },
    vault,
    checkEndpoint: async () => undefined,
    now: () => (clock += 5),
    ...overrides,
  };
}

const modern = (consentedAgoMs = 60 * 60 * 1000): VerifiableIntegration => ({
  tenantId: 'tid',
  method: 'modern',
  consentedAt: new Date(NOW - consentedAgoMs).toISOString(),
});
const EWS_KIND = { method: 'modern', protocol: 'ews' } as const;
const basic: VerifiableIntegration = {
  tenantId: 'tid',
  method: 'basic',
  ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
  serviceAccount: 'svc-ews@fabrikam.com',
  secretId: 'https://vault/secrets/svc',
};

describe('verifyIntegration', () => {
  it('verifies Exchange Online by opening the admin mailbox, reporting each step in order', async () => {
    const seen: string[] = [];
    const result = await verifyIntegration(deps(), {
      integration: modern(),
      mailbox: 'admin@contoso.com',
      onStep: (s) => seen.push(`${s.name}:${s.status}`),
    });
    expect(result.outcome).toBe('verified');
    expect(seen).toEqual(['endpoint:ok', 'token:ok', 'permission:ok', 'mailbox:ok', 'rooms:ok']);
    expect(result.steps.find((s) => s.name === 'permission')?.detail).toEqual({
      roles: ['full_access_as_app'],
    });
    expect(result.steps.find((s) => s.name === 'mailbox')?.detail).toMatchObject({
      mailbox: 'admin@contoso.com',
    });
    expect(result.diagnostic).toBeUndefined();
  });

  it('is pending, not failed, while a fresh consent has not reached the token', async () => {
    const d = deps({
      tokens: { getAppToken: async () => ({ accessToken: 't', expiresOn: new Date(), roles: [] }) },
    });
    const result = await verifyIntegration(d, {
      integration: modern(30_000),
      mailbox: 'admin@contoso.com',
      attempt: 2,
    });
    expect(result.outcome).toBe('pending');
    expect(result.diagnostic?.kind).toBe('consent_pending');
    expect(result.retryAfterMs).toBe(20_000); // 5 s doubled per attempt
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'endpoint:ok',
      'token:ok',
      'permission:pending',
    ]);
  });

  it('fails with consent_missing once the pending window is over', async () => {
    const d = deps({
      tokens: { getAppToken: async () => ({ accessToken: 't', expiresOn: new Date(), roles: [] }) },
    });
    const result = await verifyIntegration(d, {
      integration: modern(11 * 60 * 1000),
      mailbox: 'admin@contoso.com',
    });
    expect(result.outcome).toBe('failed');
    expect(result.diagnostic?.kind).toBe('consent_missing');
    expect(result.steps.at(-1)).toMatchObject({
      name: 'permission',
      status: 'failed',
      code: 'NoFullAccessAsAppRole',
    });
  });

  it('escalates a pending consent after the window to what to check, naming when it was granted', async () => {
    const d = deps({
      tokens: { getAppToken: async () => ({ accessToken: 't', expiresOn: new Date(), roles: [] }) },
    });
    const integration = modern(11 * 60 * 1000);
    const result = await verifyIntegration(d, { integration, mailbox: 'admin@contoso.com' });
    const granted = integration.consentedAt!.slice(0, 16).replace('T', ' ');
    expect(result.diagnostic?.remediation).toBe(
      `Admin consent was granted on ${granted} UTC, but Microsoft 365 still issues Exchange Connect's tokens without the permission. In the Microsoft Entra admin center, open Enterprise applications → Exchange Connect → Permissions and check that the application permissions are listed as granted for your organisation (and that the application is enabled for sign-in). If they are missing, a Global Administrator grants admin consent again from the Exchange Connect tab: Connect → Exchange Online → Grant admin consent.`,
    );
    expect(result.steps.at(-1)?.remediation).toBe(result.diagnostic?.remediation);
  });

  it('treats AADSTS700016 right after consent as pending, and without consent as failed', async () => {
    const d = deps({
      tokens: { getAppToken: async () => Promise.reject(fail('consent_missing', 'AADSTS700016')) },
    });
    expect((await verifyIntegration(d, { integration: modern(10_000), mailbox: 'a@c.com' })).outcome).toBe(
      'pending',
    );
    const never = await verifyIntegration(d, {
      integration: { tenantId: 'tid', method: 'modern' },
      mailbox: 'a@c.com',
    });
    expect(never.outcome).toBe('failed');
    expect(never.steps.at(-1)).toMatchObject({ name: 'token', status: 'failed', code: 'AADSTS700016' });
  });

  it('fails with the Exchange code and remediation when the admin has no mailbox', async () => {
    const d = deps({
      protocols: {
        ews: fakeProtocol({
          openCalendar: async () => Promise.reject(fail('mailbox_not_found', 'ErrorNonExistentMailbox')),
        }),
      },
    });
    const result = await verifyIntegration(d, {
      integration: modern(),
      mailbox: 'admin.nomailbox@contoso.com',
    });
    expect(result.outcome).toBe('failed');
    const step = result.steps.at(-1);
    expect(step).toMatchObject({ name: 'mailbox', status: 'failed', code: 'ErrorNonExistentMailbox' });
    expect(step?.remediation).toMatch(/may leave the organisation/);
  });

  it('verifies Exchange Server with the stored service-account password', async () => {
    const opened: string[] = [];
    const connected: ConnectionRequest[] = [];
    const d = deps({
      protocols: {
        ews: fakeProtocol(
          {
            openCalendar: async (mailbox) => {
              opened.push(mailbox);
              return { displayName: 'Calendar', totalCount: 0 };
            },
          },
          connected,
        ),
      },
    });
    const result = await verifyIntegration(d, { integration: basic, mailbox: 'admin@fabrikam.com' });
    expect(result.outcome).toBe('verified');
    expect(result.steps.map((s) => s.name)).toEqual(['endpoint', 'credentials', 'mailbox', 'rooms']);
    expect(connected).toEqual([
      {
        tenantId: 'tid',
        endpoint: basic.ewsUrl,
        credentials: { kind: 'password', username: 'svc-ews@fabrikam.com', password: 'pw' },
        actingAs: 'admin@fabrikam.com',
      },
    ]);
    expect(opened).toEqual(['admin@fabrikam.com']);
    expect(JSON.stringify(result)).not.toContain('"pw"');
  });

  it('refuses a stored service account that is not a UPN or DOMAIN\\user before reading its password', async () => {
    let read = false;
    const d = deps({
      vault: { ...deps().vault, readPassword: async () => ((read = true), 'pw') },
    });
    const result = await verifyIntegration(d, {
      integration: {
        ...basic,
        serviceAccount: 'svc@fabrikam.com$(Add-RoleGroupMember "Organization Management")',
      },
      mailbox: 'admin@fabrikam.com',
    });
    expect(result.outcome).toBe('failed');
    expect(result.steps.at(-1)).toMatchObject({
      name: 'credentials',
      status: 'failed',
      code: 'InvalidServiceAccount',
    });
    expect(result.diagnostic?.kind).toBe('invalid_address');
    expect(read).toBe(false);
  });

  it('stops at the endpoint when credentials must not go there', async () => {
    const d = deps({
      checkEndpoint: async () => Promise.reject(fail('endpoint_not_allowed', 'InsecureEndpoint')),
    });
    const result = await verifyIntegration(d, {
      integration: { ...basic, ewsUrl: 'http://mail' },
      mailbox: 'a@f.com',
    });
    expect(result.outcome).toBe('failed');
    expect(result.steps).toHaveLength(1);
    expect(result.diagnostic?.kind).toBe('endpoint_not_allowed');
  });

  it('stays verified when rooms cannot be listed, reporting the rooms step as failed', async () => {
    const d = deps({
      protocols: {
        ews: fakeProtocol({
          listRoomLists: async () => Promise.reject(fail('access_policy_denied', 'ErrorAccessDenied')),
        }),
      },
    });
    const result = await verifyIntegration(d, { integration: modern(), mailbox: 'admin@contoso.com' });
    expect(result.outcome).toBe('verified');
    expect(result.steps.at(-1)).toMatchObject({ name: 'rooms', status: 'failed', code: 'ErrorAccessDenied' });
  });

  it('reports an unconverted error as unexpected, hands it to the error report and shows its reference, never its text', async () => {
    const reported: unknown[] = [];
    const d = deps({
      vault: { ...deps().vault, readPassword: async () => Promise.reject(new TypeError('boom')) },
      reportUnexpected: (error) => {
        reported.push(error);
        return 'ref-42';
      },
    });
    const result = await verifyIntegration(d, { integration: basic, mailbox: 'admin@fabrikam.com' });
    expect(result.diagnostic).toMatchObject({ kind: 'unexpected', code: 'Unexpected' });
    expect(result.diagnostic?.message).toContain('ref-42');
    expect(JSON.stringify(result)).not.toContain('boom');
    expect(reported).toEqual([expect.objectContaining({ message: 'boom' })]);
  });

  it('reads at most maxRoomsPerVerification room calendars, and the rooms step says it sampled them', async () => {
    const counted: string[] = [];
    const rooms = Array.from({ length: 250 }, (_, i) => ({
      address: `room.${String(i).padStart(3, '0')}@contoso.com`,
      name: `Room ${i}`,
    }));
    const d = deps({
      maxRoomsPerVerification: 100,
      protocols: {
        ews: fakeProtocol({
          listRooms: async () => rooms,
          countCalendarItems: async (mailbox) => {
            counted.push(mailbox);
            return 1;
          },
        }),
      },
    });
    const result = await verifyIntegration(d, { integration: modern(), mailbox: 'admin@contoso.com' });
    expect(result.outcome).toBe('verified');
    expect(counted).toHaveLength(100);
    const step = result.steps.at(-1);
    expect(step?.detail).toMatchObject({ roomLists: 1, total: 250, sampled: 100, reachable: 100 });
    expect(step?.detail?.['rooms']).toHaveLength(100);
    expect(traceText(result, EWS_KIND)).toContain(
      '100 of 100 rooms reachable (a sample of 100 of 250 rooms)',
    );
  });

  it('reads every room calendar up to the default cap of 100', async () => {
    expect(DEFAULT_MAX_ROOMS_PER_VERIFICATION).toBe(100);
    const result = await verifyIntegration(deps(), { integration: modern(), mailbox: 'admin@contoso.com' });
    expect(result.steps.at(-1)?.detail).toMatchObject({ total: 1, sampled: 1 });
    expect(traceText(result, EWS_KIND)).toContain('1 of 1 rooms reachable');
    expect(traceText(result, EWS_KIND)).not.toContain('sample');
  });

  describe('a deadline for the whole verification', () => {
    /** Never answers; rejects with the abort reason once the call's signal aborts. */
    const untilAborted = (seen: AbortSignal[]) => (signal: AbortSignal | undefined) =>
      new Promise<never>((_resolve, reject) => {
        if (!signal) return;
        seen.push(signal);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });

    it('fails the step in flight with VerificationDeadline and aborts its request', async () => {
      const seen: AbortSignal[] = [];
      const hang = untilAborted(seen);
      const d = deps({
        verificationDeadlineMs: 30,
        protocols: { ews: fakeProtocol({ openCalendar: (_mailbox, options) => hang(options?.abortSignal) }) },
      });
      const result = await verifyIntegration(d, { integration: modern(), mailbox: 'admin@contoso.com' });
      expect(result.outcome).toBe('failed');
      expect(result.diagnostic).toMatchObject({ kind: 'timeout', code: 'VerificationDeadline' });
      expect(result.diagnostic?.message).toBe('The verification did not finish within 1 s.');
      expect(result.steps.at(-1)).toMatchObject({
        name: 'mailbox',
        status: 'failed',
        code: 'VerificationDeadline',
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.aborted).toBe(true);
    });

    it('ends a stage that cannot be aborted (a token request that never answers) at the deadline too', async () => {
      const d = deps({
        verificationDeadlineMs: 30,
        tokens: { getAppToken: () => new Promise(() => undefined) },
      });
      const result = await verifyIntegration(d, { integration: modern(), mailbox: 'admin@contoso.com' });
      expect(result.outcome).toBe('failed');
      expect(result.steps.at(-1)).toMatchObject({
        name: 'token',
        status: 'failed',
        code: 'VerificationDeadline',
      });
    });

    it('keeps the outcome when only the rooms ran out of time: the mailbox opened', async () => {
      const seen: AbortSignal[] = [];
      const hang = untilAborted(seen);
      const d = deps({
        verificationDeadlineMs: 30,
        protocols: { ews: fakeProtocol({ listRoomLists: (options) => hang(options?.abortSignal) }) },
      });
      const result = await verifyIntegration(d, { integration: modern(), mailbox: 'admin@contoso.com' });
      expect(result.outcome).toBe('verified');
      expect(result.steps.at(-1)).toMatchObject({
        name: 'rooms',
        status: 'failed',
        code: 'VerificationDeadline',
      });
      expect(seen[0]?.aborted).toBe(true);
    });

    it('defaults to 60 s', () => {
      expect(DEFAULT_VERIFICATION_DEADLINE_MS).toBe(60_000);
    });
  });
});
