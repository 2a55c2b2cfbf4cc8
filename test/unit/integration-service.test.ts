/**
 * The use cases against the real SQLite store, with fake ports for Microsoft's services: what
 * happens when admin actions overlap or change the connection method.
 */
import { IntegrationService, type IntegrationServiceDeps } from '../../api/src/integrations/service';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';
import type { IntegrationStore } from '../../api/src/store/port';
import type { SignedInUser } from '../../api/src/identity/port';
import type { CalendarFolderInfo } from '../../api/src/exchange/port';

const ADMIN: SignedInUser = {
  tenantId: 'tid-a',
  oid: 'oid-a',
  upn: 'admin@fabrikam.com',
  isGlobalAdmin: true,
};
const deleted: string[] = [];
/** Tenants whose password was written to the vault, and how often a sealed password was opened. */
const stored: string[] = [];
let opened = 0;
let store: IntegrationStore;
let openCalendar: () => Promise<CalendarFolderInfo>;

function service(): IntegrationService {
  const deps: IntegrationServiceDeps = {
    appId: 'app',
    exchangeOnlineEwsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
    graphUrl: 'https://graph.microsoft.com',
    tokens: {
      getAppToken: async () => ({
        accessToken: 't',
        expiresOn: new Date(),
        roles: ['full_access_as_app'],
      }),
    },
    protocols: {
      ews: {
        protocol: 'ews',
        connect: () => ({
          protocol: 'ews',
          openCalendar: () => openCalendar(),
          listRoomLists: async () => [],
          listRooms: async () => [],
          countCalendarItems: async () => 0,
        }),
      },
    },
    vault: {
      storePassword: async (tenantId) => {
        stored.push(tenantId);
        return { secretId: `https://vault/secrets/ews-svc-${tenantId}` };
      },
      readPassword: async () => 'pw',
      deletePassword: async (id) => void deleted.push(id),
    },
    sealer: {
      grant: async () => {
        throw new Error('not used by these use cases');
      },
      open: async () => {
        opened += 1;
        return 'pw';
      },
    },
    autodiscover: { discoverEwsUrl: async () => 'https://mail.fabrikam.com/EWS/Exchange.asmx' },
    consent: {
      start: async () => ({ consentUrl: 'https://login/consent', expiresAt: new Date().toISOString() }),
      complete: async () => ({
        tenantId: ADMIN.tenantId,
        userId: ADMIN.oid,
        upn: ADMIN.upn,
        consented: true,
        outcome: 'granted' as const,
        protocol: 'ews' as const,
      }),
    },
    checkEndpoint: async () => undefined,
    pendingWindowMs: 600_000,
    store,
    now: Date.now,
  };
  return new IntegrationService(deps);
}

const connectBasic = (svc: IntegrationService) =>
  svc.connectBasic(ADMIN, {
    ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
    serviceAccount: 'svc-ews@fabrikam.com',
    sealedPassword: { kid: 'k', ciphertext: 'c' },
  });

beforeEach(() => {
  store = openSqliteStore({ file: ':memory:' });
  deleted.length = 0;
  stored.length = 0;
  opened = 0;
  openCalendar = async () => ({ displayName: 'Calendar', totalCount: 0 });
});
afterEach(() => store.close());

describe('IntegrationService', () => {
  it('switching from Exchange Server to Exchange Online retires the old connection and its secret', async () => {
    const svc = service();
    expect((await connectBasic(svc)).outcome).toBe('verified');
    const basic = await store.getIntegration(ADMIN.tenantId);

    await svc.completeModernConsent({ state: 's', admin_consent: 'True' });

    const current = await store.getIntegration(ADMIN.tenantId);
    expect(current).toMatchObject({ method: 'modern', status: 'verifying', consentedBy: ADMIN.upn });
    expect(current?.id).not.toBe(basic?.id);
    expect(current?.secretId).toBeUndefined();
    expect(deleted).toEqual([basic?.secretId]);
    const audit = await store.listAudit(ADMIN.tenantId, { limit: 1 });
    expect(audit[0]).toMatchObject({
      action: 'consent.complete',
      result: 'success',
      detail: { replaced: basic?.id, replacedMethod: 'basic' },
    });
  });

  it('switching from Exchange Online to Exchange Server starts a new connection', async () => {
    const svc = service();
    await svc.completeModernConsent({ state: 's', admin_consent: 'True' });
    const modern = await store.getIntegration(ADMIN.tenantId);
    expect((await connectBasic(svc)).outcome).toBe('verified');
    const current = await store.getIntegration(ADMIN.tenantId);
    expect(current).toMatchObject({ method: 'basic', status: 'verified' });
    expect(current?.id).not.toBe(modern?.id);
  });

  it('a verification that ends after a disconnect changes nothing and does not fail', async () => {
    const svc = service();
    await connectBasic(svc);
    let answer!: (folder: CalendarFolderInfo) => void;
    let opened!: () => void;
    const calling = new Promise<void>((resolve) => (opened = resolve));
    openCalendar = () =>
      new Promise((resolve) => {
        answer = resolve;
        opened();
      });
    const verifying = svc.verify(ADMIN);
    await calling;
    await svc.disconnect(ADMIN);
    answer({ displayName: 'Calendar', totalCount: 0 });
    expect((await verifying).outcome).toBe('verified');
    expect(await store.getIntegration(ADMIN.tenantId)).toBeUndefined();
  });

  it('a slow verification with an old password does not overwrite a newer verified state', async () => {
    const svc = service();
    await connectBasic(svc);
    let fail!: (error: unknown) => void;
    let opened!: () => void;
    const calling = new Promise<void>((resolve) => (opened = resolve));
    openCalendar = () =>
      new Promise((_resolve, reject) => {
        fail = reject;
        opened();
      });
    const stale = svc.verify(ADMIN);
    await calling;
    openCalendar = async () => ({ displayName: 'Calendar', totalCount: 0 });
    expect((await svc.updatePassword(ADMIN, { kid: 'k', ciphertext: 'c2' })).outcome).toBe('verified');
    fail(new Error('401 with the old password'));
    expect((await stale).outcome).toBe('failed');
    expect(await store.getIntegration(ADMIN.tenantId)).toMatchObject({ status: 'verified' });
    expect((await store.listTraces(ADMIN.tenantId, { limit: 10 })).map((t) => t.outcome)).toContain('failed');
  });

  it('a non-admin’s password update is refused before the sealed password is opened or anything is stored', async () => {
    const svc = service();
    await connectBasic(svc);
    const [openedBefore, storedBefore] = [opened, stored.length];
    const notAdmin = { ...ADMIN, oid: 'oid-b', upn: 'lee@fabrikam.com', isGlobalAdmin: false };
    await expect(svc.updatePassword(notAdmin, { kid: 'k', ciphertext: 'c' })).rejects.toMatchObject({
      code: 'not_global_admin',
    });
    expect([opened, stored.length]).toEqual([openedBefore, storedBefore]);
    const [latest] = await store.listAudit(ADMIN.tenantId, { limit: 1 });
    expect(latest).toMatchObject({
      actorUpn: 'lee@fabrikam.com',
      action: 'integration.password.update',
      result: 'failure',
    });
  });

  it('audits refused and failed admin actions with their code, never their input', async () => {
    const svc = service();
    const notAdmin = { ...ADMIN, oid: 'oid-b', upn: 'lee@fabrikam.com', isGlobalAdmin: false };
    await expect(
      connectBasic(svc).then(() =>
        svc.connectBasic(notAdmin, {
          ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
          serviceAccount: 'svc-ews@fabrikam.com',
          sealedPassword: { kid: 'k', ciphertext: 'c' },
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_global_admin' });
    await expect(
      svc.connectBasic(ADMIN, {
        ewsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
        serviceAccount: 'svc-ews@fabrikam.com',
        sealedPassword: { kid: 'k', ciphertext: 'c' },
      }),
    ).rejects.toMatchObject({ code: 'wrong_method' });
    const failures = (await store.listAudit(ADMIN.tenantId, { limit: 20 })).filter(
      (e) => e.result === 'failure',
    );
    expect(failures.map((e) => [e.actorUpn, e.action, e.detail])).toEqual([
      ['admin@fabrikam.com', 'integration.connect.basic', { code: 'wrong_method' }],
      ['lee@fabrikam.com', 'integration.connect.basic', { code: 'not_global_admin' }],
    ]);
  });
});
