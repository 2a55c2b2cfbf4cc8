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

test('a task still waiting for a slot leaves the queue when its signal aborts, rejecting with the reason', async () => {
  const limiter = new KeyedConcurrency(1);
  const gate = deferred();
  const first = limiter.run('t', () => gate.promise);
  const controller = new AbortController();
  let waitingRan = false;
  const waiting = limiter.run(
    't',
    async () => {
      waitingRan = true;
    },
    controller.signal,
  );
  const reason = new Error('deadline');
  controller.abort(reason);
  await expect(waiting).rejects.toBe(reason);
  gate.resolve();
  await first;
  expect(waitingRan).toBe(false);
  expect(limiter.inFlight('t')).toBe(0);
});

test('a running task whose signal aborts frees its slot at once: the next task starts, the late result is dropped', async () => {
  const limiter = new KeyedConcurrency(1);
  const controller = new AbortController();
  const hanging = deferred<string>();
  let signalSeen: AbortSignal | undefined;
  const running = limiter.run(
    't',
    (signal) => {
      signalSeen = signal;
      return hanging.promise;
    },
    controller.signal,
  );
  await settle();
  const next = limiter.run('t', async () => 'next');
  const reason = new Error('deadline');
  controller.abort(reason);
  await expect(running).rejects.toBe(reason);
  await expect(next).resolves.toBe('next');
  expect(signalSeen?.aborted).toBe(true);
  // The abandoned task ends later; it neither frees a slot twice nor surfaces as unhandled.
  hanging.reject(new Error('late'));
  await settle();
  expect(limiter.inFlight('t')).toBe(0);
  await expect(limiter.run('t', async () => 'again')).resolves.toBe('again');
});

test('an already aborted signal never takes a slot', async () => {
  const limiter = new KeyedConcurrency(1);
  const reason = new Error('gone');
  let ran = false;
  await expect(
    limiter.run(
      't',
      async () => {
        ran = true;
      },
      AbortSignal.abort(reason),
    ),
  ).rejects.toBe(reason);
  expect(ran).toBe(false);
  expect(limiter.inFlight('t')).toBe(0);
});
