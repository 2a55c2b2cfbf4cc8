/**
 * What only the PostgreSQL adapter has: versioned migrations under an advisory lock, several app
 * instances (pools) claiming from one database at once, transactions that hold nobody back, a
 * deadlock retried or reported as a conflict, and calls bounded in time.
 */
import { Client } from 'pg';
import { StoreConflictError } from '../../api/src/store/errors';
import type { IntegrationStore } from '../../api/src/store/port';
import { MIGRATION_LOCK_NAME, MIGRATIONS } from '../../api/src/store/postgres/migrations';
import { openPostgresStore, type PostgresStoreOptions } from '../../api/src/store/postgres/postgres-store';
import type { IntegrationStatus } from '../../api/src/store/types';
import { connectIntegration } from '../support/integration-rows';
import { rawQuery, TestDatabases } from '../support/postgres';
import { START } from '../support/store-contract/harness';

const MONITORED: IntegrationStatus[] = ['verified', 'failed', 'pending'];
const LEASE_MS = 60_000;

const databases = new TestDatabases();
afterAll(() => databases.dropAll());

let now = START;
const clock = () => new Date(now);
beforeEach(() => {
  now = START;
});

const stores: IntegrationStore[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function open(url: string, options: Partial<PostgresStoreOptions> = {}): Promise<IntegrationStore> {
  const store = await openPostgresStore({ connectionString: url, clock, ...options });
  stores.push(store);
  return store;
}

/** A connection of the test's own, outside any store (to hold locks, or look at pg_locks). */
async function rawClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Polls until `count` lock requests on this database wait (a condition, not a duration). */
async function untilWaiting(url: string, count: number, locktype?: string): Promise<void> {
  for (let polls = 0; polls < 1000; polls++) {
    // Row locks are waited for as `transactionid` locks, which name no database: go by backend.
    const [row] = (await rawQuery(
      url,
      `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE a.datname = current_database() AND NOT l.granted AND ($1::text IS NULL OR l.locktype = $1)`,
      [locktype ?? null],
    )) as [{ waiting: number }];
    if (row.waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${count} lock request(s) never started waiting`);
}

const tenant = (i: number) => `tenant-${String(i).padStart(2, '0')}`;

describe('migrations', () => {
  it('applies each migration once, records it, and keeps the data across a reopen', async () => {
    const url = await databases.create();
    const first = await open(url);
    await connectIntegration(first, tenant(1), now);
    const saved = await first.getIntegration(tenant(1));
    await first.close();

    const second = await open(url);
    expect(await second.getIntegration(tenant(1))).toEqual(saved);
    const ids = await rawQuery(url, 'SELECT id FROM schema_migrations ORDER BY id');
    expect(ids).toEqual(MIGRATIONS.map((_, i) => ({ id: i + 1 })));
  });

  it('refuses a database migrated by a newer build', async () => {
    const url = await databases.create();
    await (await open(url)).close();
    await rawQuery(url, 'INSERT INTO schema_migrations (id, applied_at) VALUES ($1, now())', [
      MIGRATIONS.length + 1,
    ]);
    await expect(openPostgresStore({ connectionString: url })).rejects.toThrow(/newer than this build/);
  });

  it('lets two instances starting together migrate one after the other under the advisory lock', async () => {
    const url = await databases.create();
    const holder = await rawClient(url);
    await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK_NAME]);
    const opening = [open(url), open(url)] as const;
    // Both wait for the lock before touching the schema; then they run in turn, and the second
    // finds nothing left to do.
    await untilWaiting(url, 2, 'advisory');
    await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK_NAME]);
    const [a, b] = await Promise.all(opening);
    await connectIntegration(a, tenant(1), now);
    expect((await b.getIntegration(tenant(1)))?.id).toBe(`int-${tenant(1)}`);
    const ids = await rawQuery(url, 'SELECT id FROM schema_migrations ORDER BY id');
    expect(ids).toEqual(MIGRATIONS.map((_, i) => ({ id: i + 1 })));
  });
});

describe('several instances on one database', () => {
  it('never gives two concurrent claimers on two pools the same integration', async () => {
    const url = await databases.create();
    const [first, second] = [await open(url), await open(url)];
    const all = Array.from({ length: 16 }, (_, i) => `int-${tenant(i)}`);
    for (let i = 0; i < all.length; i++) await connectIntegration(first, tenant(i), now);

    const claimed: string[] = [];
    const claimers = [
      [first, 'w1'],
      [first, 'w2'],
      [second, 'w3'],
      [second, 'w4'],
    ] as const;
    for (let round = 0; round < all.length && claimed.length < all.length; round++) {
      const results = await Promise.all(
        claimers.map(async ([store, owner]) => {
          const claims = await store.claimDueHealthChecks({
            owner,
            now: clock(),
            leaseMs: LEASE_MS,
            limit: 3,
            statuses: MONITORED,
          });
          for (const c of claims) expect(c.health.leaseOwner).toBe(owner);
          return claims.map((c) => c.integration.id);
        }),
      );
      claimed.push(...results.flat());
    }
    expect(new Set(claimed).size).toBe(claimed.length);
    expect([...claimed].sort()).toEqual(all);
  });

  it('looks again when a claimer that committed after its snapshot took a candidate', async () => {
    const url = await databases.create();
    const store = await open(url);
    await connectIntegration(store, tenant(1), now);
    now += 1;
    await connectIntegration(store, tenant(2), now);
    // Another instance claims tenant 1 (first in line) and commits only once our claim, which
    // cannot see its row yet, waits on it.
    const other = await rawClient(url);
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO integration_health (integration_id, tenant_id, state, since, consecutive_failures, room_cursor,
         next_run_at, lease_owner, lease_expires_at)
       VALUES ($1, $2, 'healthy', $3, 0, 0, $3, 'other', $4)`,
      [`int-${tenant(1)}`, tenant(1), clock().toISOString(), new Date(now + LEASE_MS).toISOString()],
    );
    const claiming = store.claimDueHealthChecks({
      owner: 'w1',
      now: clock(),
      leaseMs: LEASE_MS,
      limit: 1,
      statuses: MONITORED,
    });
    await untilWaiting(url, 1);
    await other.query('COMMIT');
    expect((await claiming).map((c) => c.integration.id)).toEqual([`int-${tenant(2)}`]);
  });

  it('never gives two concurrent notifiers on two pools the same delivery', async () => {
    const url = await databases.create();
    const [first, second] = [await open(url), await open(url)];
    await connectIntegration(first, tenant(1), now);
    const conversations = Array.from({ length: 20 }, (_, i) => `conv-${i}`);
    for (const kind of ['failing', 'recovered'] as const) {
      const alert = await first.addAlert({
        tenantId: tenant(1),
        integrationId: `int-${tenant(1)}`,
        kind,
        severity: 'info',
        title: kind,
        summary: kind,
        since: clock().toISOString(),
      });
      await first.planAlertDeliveries(alert.id, conversations, clock());
    }

    const claimed: string[] = [];
    const notifiers = [
      [first, 'n1'],
      [first, 'n2'],
      [second, 'n3'],
      [second, 'n4'],
    ] as const;
    for (let round = 0; round < 40 && claimed.length < 40; round++) {
      const results = await Promise.all(
        notifiers.map(async ([store, owner]) => {
          const claims = await store.claimAlertDeliveries({
            owner,
            now: clock(),
            leaseMs: LEASE_MS,
            limit: 3,
          });
          for (const c of claims) expect(c.delivery).toMatchObject({ leaseOwner: owner, attempts: 1 });
          return claims.map((c) => `${c.delivery.alertId}/${c.delivery.conversationId}`);
        }),
      );
      claimed.push(...results.flat());
    }
    expect(claimed).toHaveLength(40);
    expect(new Set(claimed).size).toBe(40);
  });

  it("hands an instance's stale leases to another and refuses the first instance's late writes", async () => {
    const url = await databases.create();
    const [first, second] = [await open(url), await open(url)];
    await connectIntegration(first, tenant(1), now);
    const health = (store: IntegrationStore, owner: string) =>
      store.claimDueHealthChecks({ owner, now: clock(), leaseMs: LEASE_MS, limit: 10, statuses: MONITORED });
    const deliveries = (store: IntegrationStore, owner: string) =>
      store.claimAlertDeliveries({ owner, now: clock(), leaseMs: LEASE_MS, limit: 10 });
    const alert = await first.addAlert({
      tenantId: tenant(1),
      integrationId: `int-${tenant(1)}`,
      kind: 'failing',
      severity: 'critical',
      title: 'failing',
      summary: 'failing',
      since: clock().toISOString(),
    });
    await first.planAlertDeliveries(alert.id, ['conv-1'], clock());

    expect(await health(first, 'w1')).toHaveLength(1);
    expect(await deliveries(first, 'n1')).toHaveLength(1);
    expect(await health(second, 'w2')).toEqual([]);
    expect(await deliveries(second, 'n2')).toEqual([]);

    now += LEASE_MS;
    expect((await health(second, 'w2')).map((c) => c.health.leaseOwner)).toEqual(['w2']);
    const [taken] = await deliveries(second, 'n2');
    expect(taken?.delivery).toMatchObject({ leaseOwner: 'n2', attempts: 2 });

    const result = {
      integrationId: `int-${tenant(1)}`,
      tenantId: tenant(1),
      runId: 'run-1',
      checkedAt: clock().toISOString(),
      results: [],
      health: {
        state: 'healthy' as const,
        since: clock().toISOString(),
        consecutiveFailures: 0,
        roomCursor: 0,
        nextRunAt: new Date(now + 900_000).toISOString(),
      },
    };
    await expect(first.recordHealthRun({ ...result, owner: 'w1' })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await second.recordHealthRun({ ...result, owner: 'w2' });
    const settle = (store: IntegrationStore, owner: string) =>
      store.settleAlertDelivery({
        alertId: alert.id,
        conversationId: 'conv-1',
        owner,
        outcome: { status: 'sent', activityId: owner },
      });
    await expect(settle(first, 'n1')).rejects.toBeInstanceOf(StoreConflictError);
    expect(await settle(second, 'n2')).toMatchObject({ status: 'sent', sentActivityId: 'n2' });
  });
});

describe('transactions', () => {
  it('holds no other caller back: their writes land meanwhile and survive its rollback', async () => {
    const url = await databases.create();
    const store = await open(url);
    await connectIntegration(store, tenant(1), now);
    const audit = (action: string) => ({
      tenantId: tenant(1),
      actorOid: 'oid',
      actorUpn: 'admin@example.com',
      action,
      result: 'success' as const,
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = store.transaction(async (tx) => {
      await tx.appendAudit(audit('inside'));
      entered();
      await held;
      throw new Error('roll back');
    });
    await inside;
    try {
      // Completes while the transaction is still open: it runs on another connection.
      await store.appendAudit(audit('outside'));
    } finally {
      release();
    }
    await expect(transaction).rejects.toThrow('roll back');
    expect((await store.listAudit(tenant(1), { limit: 10 })).map((e) => e.action)).toEqual(['outside']);
  });

  it('reports the loser of a deadlock between two transactions as a conflict and commits the winner', async () => {
    const url = await databases.create();
    const store = await open(url);
    const [a, b] = [
      await connectIntegration(store, tenant(1), now),
      await connectIntegration(store, tenant(2), now),
    ];
    let bothLocked!: () => void;
    const locked = new Promise<void>((resolve) => (bothLocked = resolve));
    let firstLocked = 0;
    const lockedOne = () => ++firstLocked === 2 && bothLocked();
    // Each locks one integration, then wants the other's: a cycle PostgreSQL breaks by aborting one.
    const crossing = (mine: typeof a, theirs: typeof a, status: 'failed' | 'pending') =>
      store.transaction(async (tx) => {
        await tx.saveIntegration({ ...mine, status }, { expectedVersion: mine.version });
        lockedOne();
        await locked;
        await tx.saveIntegration({ ...theirs, status }, { expectedVersion: theirs.version });
        return status;
      });
    const outcomes = await Promise.allSettled([crossing(a, b, 'failed'), crossing(b, a, 'pending')]);
    const losers = outcomes.filter((o) => o.status === 'rejected');
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    expect(losers).toHaveLength(1);
    expect(losers[0]?.reason).toBeInstanceOf(StoreConflictError);
    const winner = winners[0]?.status === 'fulfilled' ? winners[0].value : undefined;
    expect((await store.getIntegration(tenant(1)))?.status).toBe(winner);
    expect((await store.getIntegration(tenant(2)))?.status).toBe(winner);
  });

  it('retries a call on the pool that lost a deadlock, so the caller never sees it', async () => {
    const url = await databases.create();
    const store = await open(url);
    await connectIntegration(store, tenant(1), now);
    await store.claimHealthCheck({
      tenantId: tenant(1),
      owner: 'w1',
      now: clock(),
      leaseMs: LEASE_MS,
      statuses: MONITORED,
    });
    const holder = await rawClient(url);
    // Let the store's backend be the one that finds the deadlock (needs a superuser; best effort).
    await holder.query(`SET deadlock_timeout = '60s'`).catch(() => undefined);
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM integrations WHERE id = $1 FOR UPDATE', [`int-${tenant(1)}`]);
    // recordHealthRun locks the health row, then its results' foreign key check waits for our lock…
    const recording = store.recordHealthRun({
      integrationId: `int-${tenant(1)}`,
      tenantId: tenant(1),
      owner: 'w1',
      runId: 'run-1',
      checkedAt: clock().toISOString(),
      results: [{ check: 'token', status: 'ok', durationMs: 1 }],
      health: {
        state: 'healthy',
        since: clock().toISOString(),
        consecutiveFailures: 0,
        roomCursor: 0,
        nextRunAt: new Date(now + 900_000).toISOString(),
      },
    });
    await untilWaiting(url, 1);
    // …and we then want its health row: deadlock. The store's backend finds the cycle first and is
    // aborted; ours goes through, and the store's retry then succeeds.
    await holder.query(`UPDATE integration_health SET room_cursor = room_cursor WHERE integration_id = $1`, [
      `int-${tenant(1)}`,
    ]);
    await holder.query('COMMIT');
    await recording;
    expect((await store.listHealthResults(tenant(1), { limit: 10 })).map((r) => r.check)).toEqual(['token']);
    expect((await store.getIntegrationHealth(tenant(1)))?.leaseOwner).toBeUndefined();
  });
});

describe('every call is bounded', () => {
  it('gives up on a statement that waits longer than statementTimeoutMs', async () => {
    const url = await databases.create();
    const store = await open(url, { statementTimeoutMs: 300 });
    const integration = await connectIntegration(store, tenant(1), now);
    const holder = await rawClient(url);
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM integrations WHERE id = $1 FOR UPDATE', [integration.id]);
    await expect(
      store.saveIntegration({ ...integration, status: 'failed' }, { expectedVersion: integration.version }),
    ).rejects.toMatchObject({ code: '57014' });
    await holder.query('ROLLBACK');
  });

  it('gives up waiting for a connection after connectionTimeoutMs when the pool is exhausted', async () => {
    const url = await databases.create();
    const store = await open(url, { poolSize: 1, connectionTimeoutMs: 300 });
    await connectIntegration(store, tenant(1), now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = store.transaction(async (tx) => {
      await tx.getIntegration(tenant(1));
      entered();
      await held;
    });
    await inside;
    try {
      await expect(store.getIntegration(tenant(1))).rejects.toThrow(/timeout/i);
    } finally {
      release();
    }
    await transaction;
    expect(await store.getIntegration(tenant(1))).toBeDefined();
  });
});
