/**
 * Teams icon rules that no offline Microsoft tool checks: color.png 192×192 full colour,
 * outline.png 32×32 white on a transparent background.
 */
import { PNG } from 'pngjs';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

export function decodePng(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

function sizeProblems(png: PNG, size: number): string[] {
  return png.width === size && png.height === size
    ? []
    : [`is ${png.width}×${png.height}, must be ${size}×${size}`];
}

/** Opaque-ish (Teams shows it on tiles of any colour) and really coloured, not greyscale. */
export function colorIconProblems(png: PNG): string[] {
  const problems = sizeProblems(png, COLOR_ICON_SIZE);
  const pixels = png.width * png.height;
  let opaque = 0;
  let saturated = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b, a] = [0, 1, 2, 3].map((c) => png.data[i + c] ?? 0) as [number, number, number, number];
    if (a === 255) opaque++;
    if (Math.max(r, g, b) - Math.min(r, g, b) >= 48) saturated++;
  }
  if (opaque < pixels * 0.9)
    problems.push(`only ${Math.round((100 * opaque) / pixels)}% of pixels are opaque`);
  if (saturated < pixels * 0.25) problems.push('is not full colour (mostly grey)');
  return problems;
}

/** Every pixel white (any alpha) or fully transparent, with a visible symbol and a transparent background. */
export function outlineIconProblems(png: PNG): string[] {
  const problems = sizeProblems(png, OUTLINE_ICON_SIZE);
  let notWhite = 0;
  let visible = 0;
  let transparent = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const alpha = png.data[i + 3] ?? 0;
    if (alpha === 0) {
      transparent++;
      continue;
    }
    visible++;
    if (png.data[i] !== 255 || png.data[i + 1] !== 255 || png.data[i + 2] !== 255) notWhite++;
  }
  if (notWhite > 0) problems.push(`${notWhite} visible pixels are not white`);
  if (visible === 0) problems.push('is empty');
  if (transparent < (png.width * png.height) / 2) problems.push('background is not transparent');
  return problems;
}
