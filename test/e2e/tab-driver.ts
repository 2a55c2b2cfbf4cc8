/**
 * Drives the Exchange Connect tab inside the sandbox Teams host: opens the host as a sandbox user,
 * walks the Entra consent popup, runs axe-core in the tab's frame and saves screenshots.
 */
import { readFileSync } from 'node:fs';
import {
  errors,
  type Browser,
  type BrowserContext,
  type Frame,
  type FrameLocator,
  type Page,
} from 'playwright-core';
import { launch, newPage, screenshot, type CapturedPage } from '../support/browser';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { closeThenCheckPageErrors } from '../support/teardown';

/** Tall enough that the whole tab (status page included) fits in the screenshot. */
const VIEWPORT = { width: 1440, height: 1300 };
/** Generous: the tab announces right after it renders, but a loaded machine can be slow. */
const ANNOUNCEMENT_TIMEOUT_MS = 15_000;

export interface OpenTab extends CapturedPage {
  tab: FrameLocator;
  frame(): Frame;
}

export async function openTab(
  browser: Browser,
  app: AppUnderTest,
  upn: string,
  extra: Record<string, string> = {},
): Promise<OpenTab> {
  const captured = await newPage(browser, VIEWPORT);
  await captured.page.goto(app.hostUrl(upn, extra));
  const tab = captured.page.frameLocator('#tab-frame');
  // Every page of the tab starts with a level-2 heading once it has loaded.
  await tab.locator('h2').first().waitFor({ timeout: 30_000 });
  const frame = () => {
    const found = captured.page.frames().find((f) => f.url().startsWith(`${app.appUrl}/tab/`));
    if (!found) throw new Error('The tab frame is not loaded');
    return found;
  };
  return { ...captured, tab, frame };
}

/** Clicks `trigger` (which opens the consent popup), then signs in as `upn` and accepts or cancels. */
export async function answerConsentPopup(
  context: BrowserContext,
  trigger: () => Promise<void>,
  upn: string,
  decision: 'accept' | 'cancel',
): Promise<void> {
  const [popup] = await Promise.all([context.waitForEvent('page'), trigger()]);
  await popup.waitForLoadState();
  await popup.locator(`input[name="account"][value="${upn}"]`).check();
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await popup.getByRole('button', { name: decision === 'accept' ? 'Accept' : 'Cancel' }).click();
  await popup.waitForEvent('close', { timeout: 30_000 });
}

/** The tab's "Grant admin consent" button, then the popup answered as `upn`. */
export function grantAdminConsent(
  session: OpenTab,
  upn: string,
  decision: 'accept' | 'cancel' = 'accept',
): Promise<void> {
  return answerConsentPopup(
    session.context,
    () => session.tab.getByRole('button', { name: 'Grant admin consent' }).click(),
    upn,
    decision,
  );
}

/**
 * The status page once a verification succeeded: it refreshes health at once, so the headline is
 * health's ("connected and healthy"), over `connection` ("Exchange Online over Microsoft Graph").
 */
export async function expectConnectedAndHealthy(
  tab: FrameLocator,
  connection: string,
  timeoutMs = 60_000,
): Promise<void> {
  await tab
    .getByRole('heading', { name: 'Exchange is connected and healthy' })
    .waitFor({ timeout: timeoutMs });
  expect(await tab.getByTestId('status-badge').textContent()).toBe('Healthy');
  expect(await tab.getByTestId('connection-facts').textContent()).toContain(connection);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the tab's frame; only violations of serious or critical impact. */
export async function seriousAxeViolations(frame: Frame): Promise<AxeViolation[]> {
  await frame.evaluate(AXE_SOURCE);
  const violations = await frame.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    const page = globalThis as unknown as {
      axe: { run(context: unknown): Promise<AxeResult> };
      document: unknown;
    };
    const result = await page.axe.run(page.document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshot of the host page with the tab, then axe: every flow ends with both. */
export async function captureAndAudit(page: Page, frame: Frame, name: string): Promise<AxeViolation[]> {
  await screenshot(page, name);
  return seriousAxeViolations(frame);
}

/**
 * The tab's announcement to screen readers (its polite live region) once it contains `expected`.
 * The announcer empties the region and fills it 50 ms later (so a repeat is read again): a single
 * read can land in between. If `expected` never shows, returns what is there for the assertion.
 */
export async function announcement(tab: FrameLocator, expected: string | RegExp): Promise<string | null> {
  const announcer = tab.getByTestId('announcer');
  try {
    // One locator call: the filter's match and the read happen together in the page.
    return await announcer.filter({ hasText: expected }).textContent({ timeout: ANNOUNCEMENT_TIMEOUT_MS });
  } catch (error) {
    if (!(error instanceof errors.TimeoutError)) throw error;
    return announcer.textContent();
  }
}

export interface TabTestFile {
  readonly app: AppUnderTest;
  /** Opens the host signed in as `upn`; the page is closed (and its errors checked) after the file. */
  open(upn: string): Promise<OpenTab>;
}

/** One app, sandbox and Chromium for a test file, all closed after it; then no page may have thrown. */
export function tabTestFile(): TabTestFile {
  let app: AppUnderTest | undefined;
  let browser: Browser | undefined;
  const sessions: OpenTab[] = [];
  beforeAll(async () => {
    app = await startAppUnderTest();
    browser = await launch({ trustedTlsCertPems: [app.sandbox.certs.tlsCertPem] });
  });
  afterAll(() =>
    closeThenCheckPageErrors(
      sessions,
      () => browser?.close(),
      () => app?.close(),
    ),
  );
  const started = () => {
    if (!app || !browser) throw new Error('the app and browser start in beforeAll');
    return { app, browser };
  };
  return {
    get app() {
      return started().app;
    },
    async open(upn) {
      const { app: running, browser: chromium } = started();
      const session = await openTab(chromium, running, upn);
      sessions.push(session);
      return session;
    },
  };
}
