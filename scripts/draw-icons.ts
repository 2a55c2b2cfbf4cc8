/**
 * Renders the Teams app icons from their SVG sources in appPackage/icons/:
 * color.png 192×192 (full colour) and outline.png 32×32 (white on transparent).
 * Run after editing an SVG: `npx tsx scripts/draw-icons.ts`; the PNGs are committed.
 */
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const APP_PACKAGE_DIR = path.resolve(__dirname, '..', 'appPackage');

interface IconSpec {
  source: string;
  target: string;
  size: number;
  whiteOnTransparent: boolean;
}

const ICONS: IconSpec[] = [
  { source: 'icons/color.svg', target: 'color.png', size: 192, whiteOnTransparent: false },
  { source: 'icons/outline.svg', target: 'outline.png', size: 32, whiteOnTransparent: true },
];

function render(svg: string, size: number): PNG {
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: size },
    shapeRendering: 2, // geometricPrecision: smooth anti-aliased edges
  }).render();
  if (rendered.width !== size || rendered.height !== size) {
    throw new Error(`rendered ${rendered.width}×${rendered.height}, expected ${size}×${size}`);
  }
  const png = new PNG({ width: size, height: size });
  Buffer.from(rendered.pixels).copy(png.data);
  return png;
}

/** Un-premultiplying anti-aliased edges can leave 254s; Teams wants pure white with alpha only. */
function forceWhite(png: PNG): void {
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = 255;
    png.data[i + 1] = 255;
    png.data[i + 2] = 255;
  }
}

function main(): void {
  for (const icon of ICONS) {
    const png = render(readFileSync(path.join(APP_PACKAGE_DIR, icon.source), 'utf8'), icon.size);
    if (icon.whiteOnTransparent) forceWhite(png);
    const target = path.join(APP_PACKAGE_DIR, icon.target);
    writeFileSync(target, PNG.sync.write(png, { colorType: 6 }));
    console.log(`wrote ${path.relative(process.cwd(), target)} (${icon.size}×${icon.size})`);
  }
}

main();
