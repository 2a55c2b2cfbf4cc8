/**
 * Throttling is a state, not a failure: whatever shape Exchange or Graph answers "busy" with
 * (BackOffMilliseconds, Retry-After, or nothing), it becomes one back-off in milliseconds, capped,
 * so a server asking for a year (or a hostile one) cannot park an integration for that long.
 */

/** The longest back-off we honour; a longer one is taken as this long. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** When the server is busy without saying for how long (a bare 503, ErrorServerBusy without a back-off). */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

/** The back-off to report: what the server asked for (or the default), within [0, 5 minutes]. */
export function cappedRetryAfterMs(askedMs: number | undefined): number {
  if (askedMs === undefined || !Number.isFinite(askedMs)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(askedMs)));
}

/** EWS's BackOffMilliseconds (a string of digits in MessageXml); anything else is no value. */
export function parseBackOffMilliseconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,20}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** Retry-After in seconds or as an HTTP date (RFC 9110), in milliseconds from `nowMs`. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
