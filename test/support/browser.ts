/**
 * Browser tests: playwright-core driving Debian's Chromium (`apt-get install -y chromium`; no
 * browser is ever downloaded). Chromium trusts the sandbox TLS certificate by its public key
 * (`--ignore-certificate-errors-spki-list`), so every other certificate is still checked.
 */
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-results');

/** Flags that keep Chromium quiet and headless in containers (see SDK-NOTES). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * base64(SHA-256(SubjectPublicKeyInfo)) of the first certificate in `certPem`: the pin Chromium's
 * `--ignore-certificate-errors-spki-list` accepts. Only certificates with that key are trusted
 * beyond the system store; unlike `--ignore-certificate-errors`, nothing else is waved through.
 */
export function spkiPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface LaunchOptions {
  /** PEM of the TLS certificate(s) the servers under test present (the sandbox's leaf first). */
  trustedTlsCertPems: string[];
}

export function launch(options: LaunchOptions): Promise<Browser> {
  const pins = options.trustedTlsCertPems.map(spkiPin).join(',');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--ignore-certificate-errors-spki-list=${pins}`],
  });
}

export interface CapturedPage {
  page: Page;
  context: BrowserContext;
  /** Console lines of every page in the context (tab frames and popups included), as `type: text`. */
  console: string[];
  /** Uncaught exceptions of every page in the context. */
  pageErrors: Error[];
}

/** A fresh context (own cookies and storage) with one page, capturing console output and page errors. */
export async function newPage(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1440, height: 900 },
): Promise<CapturedPage> {
  const context = await browser.newContext({ viewport });
  const captured: Omit<CapturedPage, 'page'> = { context, console: [], pageErrors: [] };
  const watch = (page: Page) => {
    page.on('console', (msg: ConsoleMessage) => captured.console.push(`${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (error: Error) => captured.pageErrors.push(error));
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { ...captured, page };
}

/** Saves a full-page PNG to test-results/<name>.png (git-ignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
