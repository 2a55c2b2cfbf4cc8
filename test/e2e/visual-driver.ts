/**
 * Shoots the tab as the admin sees it, at a given tab width and Teams theme, and measures what the
 * eye would catch: sideways scrolling, clipped text, unreadable colours, an invisible focus ring.
 * Screenshots go to test-results/visual/<page>-<width>-<theme>.png.
 */
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { SCREENSHOT_DIR } from '../support/browser';
import { contrastRatio, effectiveBackground, parseCssColor, requiredContrast } from '../support/contrast';
import type { OpenTab } from './tab-driver';

export const TAB_WIDTHS = [320, 420, 1280] as const;

/** The Teams theme the host sends, and whether Windows' high contrast (forced colours) is on too. */
export const VISUAL_THEMES = [
  { name: 'light', teams: 'default', forcedColors: false },
  { name: 'dark', teams: 'dark', forcedColors: false },
  { name: 'contrast', teams: 'contrast', forcedColors: false },
  { name: 'forced-colors', teams: 'contrast', forcedColors: true },
] as const;
export type VisualTheme = (typeof VISUAL_THEMES)[number];

const VISUAL_DIR = path.join(SCREENSHOT_DIR, 'visual');
const PROBE_SOURCE = readFileSync(path.join(__dirname, 'probes', 'layout-probe.js'), 'utf8');

interface ColourSample {
  what: string;
  color: string;
  layers: string[];
  fontSize: number;
  fontWeight: number;
}

interface Measurement {
  docWidth: number;
  scrollWidth: number;
  bodyScrollWidth: number;
  height: number;
  clipped: { what: string; axis: string; scroll: number; client: number }[];
  text: ColourSample[];
  placeholders: (ColourSample & { valueColor: string })[];
  commands: { what: string; fits: boolean; insideBox: boolean }[];
  radioGroups: { text: string; color: string }[][];
}

/** What is wrong on one shot, in words; an empty list when nothing is. */
export interface ShotReport {
  file: string;
  overflow: string[];
  clipped: string[];
  contrast: string[];
}

async function measure(frame: Frame): Promise<Measurement> {
  const loaded = await frame.evaluate(() => '__layoutProbe' in globalThis);
  if (!loaded) await frame.evaluate(PROBE_SOURCE);
  return frame.evaluate(() =>
    (globalThis as unknown as { __layoutProbe: { measure(): Measurement } }).__layoutProbe.measure(),
  );
}

function contrastFailures(samples: ColourSample[]): string[] {
  return samples.flatMap((s) => {
    const background = effectiveBackground(s.layers);
    const ratio = contrastRatio(parseCssColor(s.color), background);
    const needed = requiredContrast(s.fontSize, s.fontWeight);
    return ratio + 1e-6 >= needed
      ? []
      : [
          `${s.what}: ${ratio.toFixed(2)}:1 < ${needed}:1 (${s.color} on rgb(${[background.r, background.g, background.b].map(Math.round).join(', ')}))`,
        ];
  });
}

/** WCAG contrast of every visible text on a page (the policy pages), measured as rendered. */
export async function textContrastFailures(frame: Frame): Promise<string[]> {
  const m = await measure(frame);
  return m.text.length === 0 ? ['no text was measured'] : contrastFailures(m.text);
}

/** Two frames for React and Fluent to settle after a resize or theme change. */
async function settled(frame: Frame): Promise<void> {
  await frame.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): void })
          .requestAnimationFrame;
        raf(() => raf(() => resolve()));
      }),
  );
}

/** Resizes the host window so the tab's iframe is exactly `width` wide and tall enough to show it all. */
async function fitTab(session: OpenTab, width: number): Promise<void> {
  const { page } = session;
  const iframe = page.locator('#tab-frame');
  // Short first: the tab fills at least the frame's height, so only a short frame tells its own height.
  let viewport = { width: width + 69, height: 400 };
  for (let attempt = 0; ; attempt++) {
    await page.setViewportSize(viewport);
    const actual = await iframe.evaluate((el) => (el as unknown as { clientWidth: number }).clientWidth);
    if (actual === width) break;
    if (attempt === 3) throw new Error(`the tab frame is ${actual} px wide, not ${width}`);
    viewport = { ...viewport, width: viewport.width + width - actual };
  }
  await settled(session.frame());
  const frameHeight = await iframe.evaluate((el) => (el as unknown as { clientHeight: number }).clientHeight);
  const contentHeight = await session
    .frame()
    .evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document
          .documentElement.scrollHeight,
    );
  if (contentHeight !== frameHeight) {
    await page.setViewportSize({
      width: viewport.width,
      height: viewport.height + contentHeight - frameHeight,
    });
    await settled(session.frame());
  }
}

/** Switches the Teams theme from the host page (a themeChange to the tab) and forced colours. */
export async function applyTheme(session: OpenTab, theme: VisualTheme): Promise<void> {
  const { page, tab } = session;
  await page.emulateMedia({ forcedColors: theme.forcedColors ? 'active' : 'none' });
  const current = await page.locator('#theme-switcher').inputValue();
  if (current !== theme.teams) await page.locator('#theme-switcher').selectOption(theme.teams);
  await tab.locator(`.fui-FluentProvider[data-theme="${theme.teams}"]`).first().waitFor();
  await settled(session.frame());
}

/** Resizes the tab to `width`, screenshots it and measures it. */
export async function shoot(
  session: OpenTab,
  pageName: string,
  width: number,
  theme: VisualTheme,
): Promise<ShotReport> {
  await fitTab(session, width);
  mkdirSync(VISUAL_DIR, { recursive: true });
  const file = path.join(VISUAL_DIR, `${pageName}-${width}-${theme.name}.png`);
  await session.page.locator('#tab-frame').screenshot({ path: file });
  const m = await measure(session.frame());
  const overflow =
    m.scrollWidth > m.docWidth || m.bodyScrollWidth > m.docWidth
      ? [`the document is ${Math.max(m.scrollWidth, m.bodyScrollWidth)} px wide in a ${m.docWidth} px tab`]
      : [];
  const clipped = [
    ...m.clipped.map((c) =>
      c.axis === 'box' ? c.what : `${c.what}: ${c.axis} ${c.scroll} px of content in ${c.client} px`,
    ),
    ...m.commands.flatMap((c) => [
      ...(c.fits ? [] : [`${c.what}: the command runs past its box without wrapping or scrolling`]),
      ...(c.insideBox ? [] : [`${c.what}: the command sticks out of its box`]),
    ]),
  ];
  const contrast =
    m.text.length === 0 ? ['no text was measured'] : contrastFailures([...m.text, ...m.placeholders]);
  for (const group of m.radioGroups) {
    if (new Set(group.map((r) => r.color)).size > 1) {
      contrast.push(
        `radio labels drawn in different colours: ${group.map((r) => `"${r.text}" ${r.color}`).join(', ')}`,
      );
    }
  }
  // An example must not pass for a value the admin typed.
  for (const p of m.placeholders) {
    if (p.color === p.valueColor) contrast.push(`${p.what}: drawn in the colour of typed text (${p.color})`);
  }
  return { file, overflow, clipped, contrast };
}

/**
 * What is wrong with keyboard focus on the primary button, if anything: the keyboard moves focus
 * off the button and back onto it (Shift+Tab, Tab, inside the tab's frame, as Fluent expects of
 * keyboard users); then Fluent must mark it and its surroundings must look different.
 */
export async function primaryFocusProblem(session: OpenTab, primary: string): Promise<string | undefined> {
  const { page, tab } = session;
  const button = tab.getByRole('button', { name: primary, exact: true }).last();
  await button.scrollIntoViewIfNeeded();
  const box = await button.boundingBox();
  if (!box) return `the primary button "${primary}" is not on screen`;
  const clip = { x: box.x - 6, y: box.y - 6, width: box.width + 12, height: box.height + 12 };
  await blur(session);
  const before = await page.screenshot({ clip, animations: 'disabled' });
  await button.focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  // Fluent marks keyboard focus a moment after the focus event.
  const marked = await button
    .and(tab.locator('[data-fui-focus-visible]:focus'))
    .waitFor({ timeout: 15_000 })
    .then(
      () => true,
      () => false,
    );
  const after = await page.screenshot({ clip, animations: 'disabled' });
  await blur(session);
  if (!marked) return `"${primary}" did not get keyboard focus back with Shift+Tab, Tab`;
  if (before.equals(after)) return `focus on "${primary}" changes nothing on screen`;
  return undefined;
}

async function blur(session: OpenTab): Promise<void> {
  await session.frame().evaluate(() => {
    const active = (globalThis as unknown as { document: { activeElement: { blur?(): void } | null } })
      .document.activeElement;
    active?.blur?.();
  });
}
