/**
 * The one breakpoint of the tab: a phone, or Teams' narrow side panel (320–480 px). Below it, the
 * page gives its width to content instead of padding and stacks what sits side by side.
 */
export const NARROW = '@media (max-width: 480px)';

/** A minimum width for a flex or grid item that never exceeds its container (320 px screens). */
export function minWidthUpTo(px: number): string {
  return `min(${px}px, 100%)`;
}
