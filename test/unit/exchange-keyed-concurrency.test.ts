/** The per-tenant semaphore, observed with deferred promises (no timers, no timing). */
import { KeyedConcurrency } from '../../api/src/exchange/keyed-concurrency';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('at most `limit` tasks of one tenant run; the rest start as slots free up, in order', async () => {
  const limiter = new KeyedConcurrency(10);
  const gates = Array.from({ length: 15 }, () => deferred());
  const started: number[] = [];
  const runs = gates.map((gate, i) =>
    limiter.run('tenant-a', async () => {
      started.push(i);
      await gate.promise;
      return i;
    }),
  );
  await settle();
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(limiter.inFlight('tenant-a')).toBe(10);

  gates[3]!.resolve();
  gates[7]!.resolve();
  await settle();
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  expect(limiter.inFlight('tenant-a')).toBe(10);

  for (const gate of gates) gate.resolve();
  await expect(Promise.all(runs)).resolves.toEqual(gates.map((_, i) => i));
  expect(limiter.inFlight('tenant-a')).toBe(0);
});

test('tenants do not share slots', async () => {
  const limiter = new KeyedConcurrency(1);
  const gate = deferred();
  const a = limiter.run('tenant-a', () => gate.promise);
  let bRan = false;
  const b = limiter.run('tenant-b', async () => {
    bRan = true;
  });
  await b;
  expect(bRan).toBe(true);
  expect(limiter.inFlight('tenant-a')).toBe(1);
  gate.resolve();
  await a;
});

test('a failing task releases its slot and its error reaches the caller', async () => {
  const limiter = new KeyedConcurrency(1);
  const gate = deferred();
  const failing = limiter.run('t', () => gate.promise);
  let nextRan = false;
  const next = limiter.run('t', async () => {
    nextRan = true;
  });
  await settle();
  expect(nextRan).toBe(false);
  gate.reject(new Error('boom'));
  await expect(failing).rejects.toThrow('boom');
  await next;
  expect(nextRan).toBe(true);
  expect(limiter.inFlight('t')).toBe(0);
});

test('tenant ids are compared case-insensitively; the limit must be positive', () => {
  const limiter = new KeyedConcurrency(2);
  void limiter.run('ABC', () => new Promise(() => {}));
  expect(limiter.inFlight('abc')).toBe(1);
  expect(() => new KeyedConcurrency(0)).toThrow(RangeError);
});
