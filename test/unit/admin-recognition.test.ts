/**
 * Who the bot serves: a Global Admin whose SSO token reached the tab's API, for the recognition
 * window after their last visit (AdminRecognition on the SQLite store, an injected clock).
 */
import { Writable } from 'node:stream';
import { AdminRecognition } from '../../api/src/identity/admin-recognition';
import type { SignedInUser } from '../../api/src/identity/port';
import { createLogger } from '../../api/src/logger';
import type { AdminSightingStoreOperations } from '../../api/src/store/admin-port';
import type { IntegrationStore } from '../../api/src/store/port';
import { openSqliteStore } from '../../api/src/store/sqlite/sqlite-store';

const TENANT = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const OID = 'ef54d2bf-783f-4e0f-bca1-3210c0444d99';
const DAY = 24 * 3600_000;
const admin: SignedInUser = { tenantId: TENANT, oid: OID, upn: 'admin@contoso.com', isGlobalAdmin: true };

describe('AdminRecognition', () => {
  let nowMs: number;
  let store: IntegrationStore;
  let recognition: AdminRecognition;
  const clock = () => new Date(nowMs);

  beforeEach(() => {
    nowMs = Date.parse('2026-11-28T12:00:00.000Z');
    store = openSqliteStore({ file: ':memory:', clock });
    recognition = new AdminRecognition({
      store,
      recognitionDays: 30,
      clock,
      log: createLogger({ level: 'silent' }),
    });
  });
  afterEach(() => store.close());

  it('recognises a Global Admin from their tab visit for the window, and not a day longer', async () => {
    expect(await recognition.isRecognised(TENANT, OID)).toBe(false);
    await recognition.sawSignedIn(admin);
    expect(await recognition.isRecognised(TENANT, OID)).toBe(true);
    // Teams and Entra may spell the ids in either case.
    expect(await recognition.isRecognised(TENANT.toUpperCase(), OID.toUpperCase())).toBe(true);
    expect(await recognition.isRecognised('69e46513-af5b-44b0-8c4f-7a95a633f186', OID)).toBe(false);
    nowMs += 30 * DAY;
    expect(await recognition.isRecognised(TENANT, OID)).toBe(true);
    nowMs += 1;
    expect(await recognition.isRecognised(TENANT, OID)).toBe(false);
    // Another visit counts from then.
    await recognition.sawSignedIn(admin);
    expect(await recognition.isRecognised(TENANT, OID)).toBe(true);
  });

  it('records nobody whose token does not prove Global Administrator, and no user without an id', async () => {
    await recognition.sawSignedIn({ ...admin, isGlobalAdmin: false });
    expect(await store.getAdminSighting(TENANT, OID)).toBeUndefined();
    expect(await recognition.isRecognised(TENANT, OID)).toBe(false);
    expect(await recognition.isRecognised(TENANT, '')).toBe(false);
  });

  it('forgets an admin at once when their next token no longer proves Global Administrator', async () => {
    await recognition.sawSignedIn(admin);
    nowMs += DAY;
    await recognition.sawSignedIn({ ...admin, isGlobalAdmin: false });
    expect(await recognition.isRecognised(TENANT, OID)).toBe(false);
    expect(await store.getAdminSighting(TENANT, OID)).toBeUndefined();
  });

  it('a store failure while recording is logged, never thrown into the request', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const failing: AdminSightingStoreOperations = {
      recordAdminSighting: async () => {
        throw new Error('database is locked');
      },
      forgetAdminSighting: async () => false,
      getAdminSighting: async () => undefined,
    };
    const log = createLogger({ level: 'warn', destination });
    await expect(
      new AdminRecognition({ store: failing, recognitionDays: 30, clock, log }).sawSignedIn(admin),
    ).resolves.toBeUndefined();
    expect(lines.map((line) => JSON.parse(line) as { msg: string; err: string })).toEqual([
      expect.objectContaining({
        msg: 'could not record the Global Admin sighting',
        err: 'database is locked',
      }),
    ]);
  });

  it('refuses a window that is not a whole number of days', () => {
    expect(
      () =>
        new AdminRecognition({ store, recognitionDays: 0, clock, log: createLogger({ level: 'silent' }) }),
    ).toThrow(RangeError);
  });
});
