/** `*` wildcard patterns (Exchange's `-like`, EWS user-agent lists), matched case-insensitively. */
export function wildcardMatches(value: string, pattern: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(value);
}
