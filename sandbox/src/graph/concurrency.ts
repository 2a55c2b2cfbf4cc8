/**
 * Outlook's concurrency limit per app and mailbox: 4 requests in flight; a fifth is refused with
 * 429 at once (never queued). Peaks are kept so tests can see how parallel a client was.
 */
export const OUTLOOK_CONCURRENCY_LIMIT = 4;
/** The Retry-After (seconds) sent with a concurrency 429. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

export class MailboxConcurrency {
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();

  constructor(readonly limit = OUTLOOK_CONCURRENCY_LIMIT) {}

  /** Takes a slot: the number in flight including this one, or undefined when the limit is reached. */
  tryEnter(key: string): number | undefined {
    const now = this.inFlight.get(key) ?? 0;
    if (now >= this.limit) return undefined;
    this.inFlight.set(key, now + 1);
    this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, now + 1));
    return now + 1;
  }

  leave(key: string): void {
    const now = (this.inFlight.get(key) ?? 1) - 1;
    if (now <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, now);
  }

  current(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  peak(key: string): number {
    return this.peaks.get(key) ?? 0;
  }
}

export const concurrencyKey = (tenantId: string, appId: string, mailbox: string) =>
  `${tenantId}|${appId}|${mailbox.toLowerCase()}`;
