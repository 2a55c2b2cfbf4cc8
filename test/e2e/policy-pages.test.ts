/**
 * The privacy statement and the terms, as a Global Admin meets them: linked from the tab's footer,
 * opening outside the tab, readable from 320 px up in light, dark and forced colours (Windows high
 * contrast), every text at WCAG contrast as rendered. Screenshots: test-results/policy-<page>-<width>-<scheme>.png.
 */
import { tabTestFile } from './tab-driver';
import { screenshot } from '../support/browser';
import { textContrastFailures } from './visual-driver';

jest.setTimeout(120_000);
const run = tabTestFile();

const WIDTHS = [320, 420, 1280] as const;
const SCHEMES = ['light', 'dark', 'contrast'] as const;

it('the tab links both pages in its footer, and they open outside the tab', async () => {
  const { page, tab, context } = await run.open('admin@contoso.com');
  for (const [name, path, heading] of [
    ['Privacy statement', '/privacy', /privacy/i],
    ['Terms of use', '/terms', /terms/i],
  ] as const) {
    const link = tab.getByRole('link', { name });
    expect(await link.getAttribute('href')).toBe(path);
    const [opened] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await opened.waitForLoadState();
    expect(new URL(opened.url())).toMatchObject({ origin: run.app.appUrl, pathname: path });
    expect(await opened.locator('h1').textContent()).toMatch(heading);
    await opened.close();
  }
  // The tab stayed where it was.
  expect(page.url()).toContain(new URL(run.app.hostUrl('admin@contoso.com')).host);
});

it.each(['privacy', 'terms'])(
  '/%s reads at every width and colour scheme without sideways scrolling',
  async (name) => {
    const { context } = await run.open('admin@contoso.com');
    const page = await context.newPage();
    for (const scheme of SCHEMES) {
      await page.emulateMedia(
        scheme === 'contrast'
          ? { colorScheme: 'dark', forcedColors: 'active' }
          : { colorScheme: scheme, forcedColors: 'none' },
      );
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const response = await page.goto(`${run.app.appUrl}/${name}`);
        expect(response?.status()).toBe(200);
        const overflow = await page.evaluate(() => {
          // The test project has no DOM typings: the page's own document, typed where it is used.
          const root = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        expect({ width, scheme, overflow }).toEqual({ width, scheme, overflow: 0 });
        expect({ width, scheme, contrast: await textContrastFailures(page.mainFrame()) }).toEqual({
          width,
          scheme,
          contrast: [],
        });
        await screenshot(page, `policy-${name}-${width}-${scheme}`);
      }
    }
    await page.close();
  },
);
