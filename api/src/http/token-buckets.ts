/**
 * Token buckets kept in this process: each key holds up to its capacity in tokens and gains them
 * back evenly over `refillMs` (so `capacity` requests per `refillMs`, in a burst or spread out). A
 * take draws one token from every key it names or from none, so a request refused for its tenant
 * does not also cost its user. Several instances each keep their own buckets: limits are per instance.
 */
interface Bucket {
  tokens: number;
  at: number;
}

/** Beyond this many keys, buckets that are full again (the same as no bucket) are dropped. */
const SWEEP_ABOVE_KEYS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly refillMs: number,
    private readonly now: () => number,
  ) {}

  /** `keys`: each key with its capacity. 0 when a token was taken from each; else how long until each has one. */
  take(keys: readonly (readonly [key: string, capacity: number])[]): number {
    const now = this.now();
    let waitMs = 0;
    const filled = keys.map(([key, capacity]) => {
      const tokens = this.tokensAt(key, capacity, now);
      if (tokens < 1) waitMs = Math.max(waitMs, Math.ceil(((1 - tokens) * this.refillMs) / capacity));
      return { key, tokens };
    });
    if (waitMs > 0) return waitMs;
    for (const { key, tokens } of filled) this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > SWEEP_ABOVE_KEYS) this.sweep(now);
    return 0;
  }

  private tokensAt(key: string, capacity: number, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return capacity;
    const regained = (Math.max(0, now - bucket.at) * capacity) / this.refillMs;
    return Math.min(capacity, bucket.tokens + regained);
  }

  /** A bucket untouched for refillMs has refilled completely: forgetting it changes nothing. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.refillMs) this.buckets.delete(key);
    }
  }
}
