/**
 * At most N requests in flight per key. Exchange throttles per organisation and app (EWS: keyed by
 * tenant) and Outlook on Graph allows 4 concurrent requests per app and mailbox (keyed by mailbox),
 * so room discovery and health checks must not fan out without bound. A caller's signal (a check's
 * time-out, a verification's deadline) takes its task out of the queue, or frees its slot at once
 * when it is running: the task is handed the same signal to abort its request, and whatever it
 * settles with later is dropped.
 */
interface Slots {
  active: number;
  waiting: Array<() => void>;
}

export const DEFAULT_EWS_TENANT_CONCURRENCY = 10;
/** Outlook's documented limit on Microsoft Graph: 4 concurrent requests per app and mailbox. */
export const GRAPH_MAILBOX_CONCURRENCY = 4;

export class KeyedConcurrency {
  private readonly slots = new Map<string, Slots>();

  constructor(readonly limit: number = DEFAULT_EWS_TENANT_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Runs `task` once one of the key's slots is free; the slot is released however it ends. */
  async run<T>(key: string, task: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const normalised = key.toLowerCase();
    const slots = await this.acquire(normalised, signal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release(normalised, slots);
    };
    if (!signal) {
      try {
        return await task();
      } finally {
        release();
      }
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        release();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let running: Promise<T>;
      try {
        running = task(signal);
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          release();
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          release();
          reject(error);
        },
      );
    });
  }

  inFlight(key: string): number {
    return this.slots.get(key.toLowerCase())?.active ?? 0;
  }

  private async acquire(key: string, signal?: AbortSignal): Promise<Slots> {
    if (signal?.aborted) throw signal.reason;
    let slots = this.slots.get(key);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.slots.set(key, slots);
    }
    if (slots.active < this.limit) {
      slots.active += 1;
      return slots;
    }
    // The releasing task hands its slot over directly, so `active` never dips below the limit.
    const queue = slots;
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = queue.waiting.indexOf(turn);
        if (index >= 0) queue.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      queue.waiting.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return queue;
  }

  private release(key: string, slots: Slots): void {
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.active -= 1;
    if (slots.active === 0) this.slots.delete(key);
  }
}
