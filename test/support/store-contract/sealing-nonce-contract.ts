/**
 * The store contract, part 4: single-use nonces of sealed passwords (migration 7), bound to a
 * tenant, a user and a purpose, used at most once even by racing requests, stored only hashed.
 * Run on SQLite by test/unit/store-sealing-nonces.test.ts and on PostgreSQL by
 * test/integration/store-postgres.test.ts.
 */
import { hashSingleUseValue } from '../../../api/src/store/consent-state-hash';
import type { IntegrationStore } from '../../../api/src/store/port';
import type { SealingNonceBinding } from '../../../api/src/store/sealing-nonce-port';
import { cleanUpAfterEach, manualClock, START, type StoreHarness } from './harness';

const A = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const B = '69e46513-af5b-44b0-8c4f-7a95a633f186';

export function describeSealingNonceStoreContract(harness: StoreHarness): void {
  cleanUpAfterEach(harness);
  const time = manualClock();
  let store: IntegrationStore;
  beforeEach(async () => {
    store = await (await harness.database()).open(time.clock);
  });

  const binding = (nonce: string, overrides: Partial<SealingNonceBinding> = {}): SealingNonceBinding => ({
    nonce,
    tenantId: A,
    userId: 'oid-admin-a',
    purpose: 'connect',
    ...overrides,
  });
  const issue = (nonce: string, expiresInMs = 300_000) =>
    store.createSealingNonce({ ...binding(nonce), expiresAt: new Date(START + expiresInMs).toISOString() });

  it('is used once, by the tenant, user and purpose it was issued to', async () => {
    await issue('n-1');
    expect(await store.consumeSealingNonce(binding('n-1', { tenantId: B }), time.clock())).toBe(false);
    expect(await store.consumeSealingNonce(binding('n-1', { userId: 'oid-other' }), time.clock())).toBe(
      false,
    );
    expect(await store.consumeSealingNonce(binding('n-1', { purpose: 'update' }), time.clock())).toBe(false);
    expect(await store.consumeSealingNonce(binding('n-1'), time.clock())).toBe(true);
    expect(await store.consumeSealingNonce(binding('n-1'), time.clock())).toBe(false);
    expect(await store.consumeSealingNonce(binding('never-issued'), time.clock())).toBe(false);
  });

  it('lets exactly one of two racing requests use it', async () => {
    await issue('racy');
    const results = await Promise.all([
      store.consumeSealingNonce(binding('racy'), time.clock()),
      store.consumeSealingNonce(binding('racy'), time.clock()),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('is refused from its expiry on, and purged then', async () => {
    await issue('lapsing', 60_000);
    await issue('live', 120_000);
    expect(await store.consumeSealingNonce(binding('lapsing'), new Date(START + 60_000))).toBe(false);
    expect(await store.purgeExpiredSealingNonces(new Date(START + 60_000))).toBe(1);
    expect(await store.purgeExpiredSealingNonces(new Date(START + 60_000))).toBe(0);
    expect(await store.consumeSealingNonce(binding('live'), new Date(START + 119_999))).toBe(true);
  });

  it('refuses a nonce issued twice', async () => {
    await issue('twice');
    await expect(issue('twice')).rejects.toMatchObject({ code: 'store_conflict' });
  });

  it('stores only the SHA-256 of the nonce', async () => {
    const db = await harness.database({ shared: true });
    const shared = await db.open(time.clock);
    const nonce = 'Zq1d9Xb2Vw3Lk8Pm4Nn7Rt0Ys5Uh6Jg';
    await shared.createSealingNonce({ ...binding(nonce), expiresAt: new Date(START + 60_000).toISOString() });
    const rows = await db.query('SELECT * FROM sealing_nonces');
    expect(JSON.stringify(rows)).not.toContain(nonce);
    expect(rows).toEqual([
      expect.objectContaining({ nonce_hash: hashSingleUseValue(nonce), purpose: 'connect' }),
    ]);
  });
}
