/** What a user typed, as a command. Mentions are stripped before; matching ignores case. */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DEFAULT_MUTE_MS = 24 * UNIT_MS.h;
export const MAX_MUTE_MS = 7 * UNIT_MS.d;

export type Command =
  | { name: 'status' }
  | { name: 'check' }
  | { name: 'mute'; durationMs: number }
  | { name: 'unmute' }
  /** A team channel's choice: this tenant's alerts posted here, or not. */
  | { name: 'alerts'; state: 'on' | 'off' }
  | { name: 'help' }
  | { name: 'invalid'; reason: string }
  | { name: 'unknown' };

export function parseCommand(text: string): Command {
  const words = text.trim().toLowerCase().replace(/\s+/g, ' ');
  switch (words) {
    case 'status':
      return { name: 'status' };
    case 'check':
    case 'check now':
      return { name: 'check' };
    case 'unmute':
      return { name: 'unmute' };
    case 'alerts on':
      return { name: 'alerts', state: 'on' };
    case 'alerts off':
      return { name: 'alerts', state: 'off' };
    case 'help':
    case '?':
      return { name: 'help' };
    case 'mute':
      return { name: 'mute', durationMs: DEFAULT_MUTE_MS };
  }
  const mute = /^mute (\d{1,4}) ?([mhd])$/.exec(words);
  if (mute) {
    const durationMs = Number(mute[1]) * UNIT_MS[mute[2] as keyof typeof UNIT_MS];
    if (durationMs < 1 || durationMs > MAX_MUTE_MS) {
      return { name: 'invalid', reason: 'I can mute alerts for 1 minute up to 7 days, e.g. `mute 24h`.' };
    }
    return { name: 'mute', durationMs };
  }
  if (words.startsWith('mute')) {
    return { name: 'invalid', reason: 'Say how long, e.g. `mute 30m`, `mute 24h` or `mute 7d`.' };
  }
  return { name: 'unknown' };
}
