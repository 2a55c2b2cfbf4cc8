/**
 * WCAG 2.x contrast from the colours a browser computed: parse `rgb()`/`rgba()`/`color(srgb …)`,
 * composite translucent layers the way the page paints them, then the contrast ratio
 * (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).
 */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0 (transparent) to 1 (opaque). */
  a: number;
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const RGB = new RegExp(
  String.raw`^rgba?\(\s*(${NUMBER})[\s,]+(${NUMBER})[\s,]+(${NUMBER})(?:\s*[,/]\s*(${NUMBER})(%?))?\s*\)$`,
  'i',
);
const SRGB = new RegExp(
  String.raw`^color\(\s*srgb\s+(${NUMBER})\s+(${NUMBER})\s+(${NUMBER})(?:\s*/\s*(${NUMBER})(%?))?\s*\)$`,
  'i',
);

function alpha(value: string | undefined, percent: string | undefined): number {
  if (value === undefined) return 1;
  return percent ? Number(value) / 100 : Number(value);
}

/** A computed colour as getComputedStyle reports it; throws on anything else, so no colour is guessed. */
export function parseCssColor(css: string): Rgba {
  const text = css.trim();
  if (text === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const rgb = RGB.exec(text);
  if (rgb) return { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]), a: alpha(rgb[4], rgb[5]) };
  const srgb = SRGB.exec(text);
  if (srgb) {
    return {
      r: Number(srgb[1]) * 255,
      g: Number(srgb[2]) * 255,
      b: Number(srgb[3]) * 255,
      a: alpha(srgb[4], srgb[5]),
    };
  }
  throw new Error(`Not a computed colour: ${css}`);
}

/** `top` painted over `bottom` (source-over). */
export function composite(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a + bottom.a * (1 - top.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const mix = (t: number, b: number) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
}

/**
 * The colour behind an element: its own background and its ancestors', innermost first, painted
 * over `canvas` (the iframe's white page, unless a layer is opaque before it).
 */
export function effectiveBackground(
  layersInnermostFirst: readonly string[],
  canvas = 'rgb(255, 255, 255)',
): Rgba {
  let colour = parseCssColor(canvas);
  for (const layer of [...layersInnermostFirst].reverse()) colour = composite(parseCssColor(layer), colour);
  return colour;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance({ r, g, b }: Rgba): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The contrast ratio of `foreground` (composited over `background` if translucent), 1 to 21. */
export function contrastRatio(foreground: Rgba, background: Rgba): number {
  const fg = relativeLuminance(composite(foreground, background));
  const bg = relativeLuminance(background);
  const [light, dark] = fg > bg ? [fg, bg] : [bg, fg];
  return (light + 0.05) / (dark + 0.05);
}

/** WCAG's large text (18 pt, or 14 pt bold) needs 3:1; all other text 4.5:1 (success criterion 1.4.3). */
export function requiredContrast(fontSizePx: number, fontWeight: number): number {
  const large = fontSizePx >= 24 || (fontSizePx >= 18.66 && fontWeight >= 700);
  return large ? 3 : 4.5;
}
