/**
 * Graph's `dateTimeTimeZone` input: a wall-clock `dateTime` in a Windows or IANA time zone, turned
 * into an instant. Outputs stay in UTC (the sandbox does not honour `Prefer: outlook.timezone`).
 */

/** The Windows zone names clients commonly send, mapped to IANA names Node knows. */
const WINDOWS_ZONES: Record<string, string> = {
  utc: 'UTC',
  'coordinated universal time': 'UTC',
  'gmt standard time': 'Europe/London',
  'w. europe standard time': 'Europe/Berlin',
  'romance standard time': 'Europe/Paris',
  'central europe standard time': 'Europe/Budapest',
  'central european standard time': 'Europe/Warsaw',
  'e. europe standard time': 'Europe/Chisinau',
  'fle standard time': 'Europe/Kiev',
  'eastern standard time': 'America/New_York',
  'central standard time': 'America/Chicago',
  'mountain standard time': 'America/Denver',
  'pacific standard time': 'America/Los_Angeles',
  'india standard time': 'Asia/Kolkata',
  'tokyo standard time': 'Asia/Tokyo',
  'aus eastern standard time': 'Australia/Sydney',
};

function ianaZone(timeZone: string): string | undefined {
  const mapped = WINDOWS_ZONES[timeZone.trim().toLowerCase()];
  if (mapped) return mapped;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetMs(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time in `timeZone` means, or undefined for an unknown zone or bad value. */
export function zonedInstant(dateTime: string, timeZone: string): Date | undefined {
  const zone = ianaZone(timeZone);
  if (!zone) return undefined;
  const explicit = /[zZ]|[+-]\d\d:?\d\d$/.test(dateTime);
  const wall = new Date(explicit ? dateTime : `${dateTime}Z`).getTime();
  if (Number.isNaN(wall)) return undefined;
  if (explicit) return new Date(wall);
  // Two passes settle the offset across a daylight-saving change.
  let guess = wall - offsetMs(zone, wall);
  guess = wall - offsetMs(zone, guess);
  return new Date(guess);
}
