/**
 * The tab in Chromium, in the sandbox Teams host, against the real app server: the Exchange Online
 * (Modern) wizard for Contoso over Microsoft Graph — non-admin, cancelled consent, consent → verify
 * → connected, the dark and high-contrast themes, and disconnect (focus on Cancel).
 */
import type { Browser } from 'playwright-core';
import { launch } from '../support/browser';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { closeInOrder, closeThenCheckPageErrors } from '../support/teardown';
import { answerConsentPopup, announcement, captureAndAudit, openTab, type OpenTab } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin@contoso.com';

interface HostState {
  appInitialization: { status: string };
  registeredHandlers: string[];
}

describe('Teams tab: Exchange Online (Modern) for Contoso', () => {
  let app: AppUnderTest;
  let browser: Browser;
  const opened: OpenTab[] = [];

  beforeAll(async () => {
    app = await startAppUnderTest();
    browser = await launch({ trustedTlsCertPems: [app.sandbox.certs.tlsCertPem] });
  });
  afterEach(() => closeThenCheckPageErrors(opened.splice(0)));
  afterAll(() =>
    closeInOrder(
      () => browser?.close(),
      () => app?.close(),
    ),
  );

  async function open(upn: string, extra: Record<string, string> = {}): Promise<OpenTab> {
    const session = await openTab(browser, app, upn, extra);
    opened.push(session);
    return session;
  }

  const hostState = (session: OpenTab) =>
    session.page.evaluate(() => (globalThis as unknown as { __teamsHost: HostState }).__teamsHost);

  it('a user who is not a Global Admin (alex@contoso.com) sees who can connect and why, nothing else', async () => {
    const session = await open('alex@contoso.com');
    const { tab } = session;
    await tab.getByRole('heading', { name: 'A Global Administrator needs to connect Exchange' }).waitFor();
    expect(await tab.getByTestId('signed-in-upn').textContent()).toBe('alex@contoso.com');
    await expect(tab.getByTestId('not-admin').textContent()).resolves.toContain(
      'full access to all mailboxes',
    );
    expect(await tab.getByRole('button').count()).toBe(0);
    expect(await tab.getByRole('radio').count()).toBe(0);
    expect(await tab.getByRole('navigation', { name: 'Connection steps' }).count()).toBe(0);
    expect((await hostState(session)).appInitialization.status).toBe('success');
    expect(await captureAndAudit(session.page, session.frame(), 'tab-not-admin')).toEqual([]);
  });

  it('cancelled consent: a readable message, nothing connected, and a retry', async () => {
    const session = await open(ADMIN);
    const { tab } = session;
    await tab.getByRole('heading', { name: 'Where are your mailboxes?' }).waitFor();
    expect(await tab.getByTestId('signed-in-upn').textContent()).toBe(ADMIN);
    expect(await tab.getByRole('radio', { name: /Exchange Online/ }).isChecked()).toBe(true);
    await tab.getByRole('button', { name: 'Next' }).click();
    const heading = tab.getByRole('heading', { name: 'Grant admin consent' });
    await heading.waitFor();
    // Focus moved to the new step's heading.
    expect(await heading.evaluate((h) => h.matches(':focus'))).toBe(true);

    await answerConsentPopup(
      session.context,
      () => tab.getByRole('button', { name: 'Grant admin consent' }).click(),
      ADMIN,
      'cancel',
    );
    const message = tab.getByTestId('error-message');
    await message.waitFor();
    expect(await message.textContent()).toMatch(/Consent was not granted/);
    await expect(announcement(tab, 'Consent was not granted')).resolves.toBe('Consent was not granted');
    await tab.getByRole('button', { name: 'Try again' }).waitFor();
    expect(await captureAndAudit(session.page, session.frame(), 'tab-consent-cancelled')).toEqual([]);

    const consent = await app.sandbox.control<{ grantedBy?: string }>('GET', '/entra/consent/contoso.com');
    expect(consent.status).toBe(200);
    expect(consent.body.grantedBy).toBeUndefined();
  });

  it('full modern flow over Microsoft Graph: choose Modern, consent in the popup, verify, then connected and healthy with rooms', async () => {
    const session = await open(ADMIN);
    const { tab } = session;
    // Places answers the room lists slowly, so the checklist can be seen mid-verification.
    await app.sandbox.control('POST', '/faults', {
      service: 'graph',
      operation: 'places',
      kind: 'latency',
      ms: 8000,
      count: 1,
    });
    await tab.getByRole('button', { name: 'Next' }).click();
    // Microsoft Graph is the default, with the permissions it asks for and why.
    expect(await tab.getByRole('radio', { name: /Microsoft Graph/ }).isChecked()).toBe(true);
    const permissions = (await tab.getByTestId('consent-permissions').textContent()) ?? '';
    expect(permissions).toContain('Calendars.ReadWrite');
    expect(permissions).toContain('Place.Read.All');
    expect(permissions).not.toContain('full_access_as_app');
    await answerConsentPopup(
      session.context,
      () => tab.getByRole('button', { name: 'Grant admin consent' }).click(),
      ADMIN,
      'accept',
    );

    const checklist = tab.getByTestId('checklist');
    await checklist.locator('[data-step="rooms"][data-state="running"]').waitFor({ timeout: 30_000 });
    const states = await checklist
      .locator('li')
      .evaluateAll((rows) =>
        rows.map((r) => `${r.getAttribute('data-step')}:${r.getAttribute('data-state')}`),
      );
    expect(states).toEqual(['endpoint:ok', 'token:ok', 'permission:ok', 'mailbox:ok', 'rooms:running']);
    expect(await checklist.locator('[data-step="endpoint"]').textContent()).toContain(
      'Microsoft Graph endpoint',
    );
    expect(await captureAndAudit(session.page, session.frame(), 'tab-modern-verifying')).toEqual([]);

    // A verification refreshes health at once: the headline is health's, never a bare "connected".
    const connected = tab.getByRole('heading', { name: 'Exchange is connected and healthy' });
    await connected.waitFor({ timeout: 60_000 });
    expect(await connected.evaluate((h) => h.matches(':focus'))).toBe(true);
    await expect(announcement(tab, 'Verified. Exchange is connected.')).resolves.toBe(
      'Verified. Exchange is connected.',
    );
    expect(await tab.getByTestId('status-badge').textContent()).toBe('Healthy');
    const facts = (await tab.getByTestId('connection-facts').textContent()) ?? '';
    expect(facts).toContain('Exchange Online over Microsoft Graph');
    expect(facts).toContain(`Verification mailbox${ADMIN} · chosen by ${ADMIN}`);
    expect(facts).toContain(`Consent granted by${ADMIN}`);
    expect(facts).toMatch(/App certificate expires.*\(\d+ days\)/);
    const rooms = tab.getByTestId('rooms-list').locator('li');
    expect(await rooms.allTextContents()).toEqual([
      expect.stringMatching(/Calendar readable/),
      expect.stringMatching(/Calendar readable/),
      expect.stringMatching(/Calendar readable/),
    ]);
    // Over Graph there is no EWS allow list to keep; the least-privilege step is offered instead.
    expect(await tab.getByTestId('ews-allow-list').count()).toBe(0);
    await tab.getByTestId('room-scope').waitFor();
    // One h1 per page: the product name; the page's own heading is an h2.
    expect(await tab.locator('h1').count()).toBe(1);
    await tab.getByTestId('audit-entry').first().waitFor();
    expect(await captureAndAudit(session.page, session.frame(), 'tab-modern-connected')).toEqual([]);
  });

  it('follows the Teams theme: dark from the start, then high contrast when Teams switches', async () => {
    const session = await open(ADMIN, { theme: 'dark' });
    const { tab, page } = session;
    await tab.getByRole('heading', { name: 'Exchange is connected and healthy' }).waitFor();
    const provider = tab.locator('.fui-FluentProvider').first();
    expect(await provider.getAttribute('data-theme')).toBe('dark');
    const background = await provider.evaluate(
      (el) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
        ).getComputedStyle(el).backgroundColor,
    );
    expect(background).not.toBe('rgb(255, 255, 255)');
    expect((await hostState(session)).registeredHandlers).toContain('themeChange');
    expect(await captureAndAudit(page, session.frame(), 'tab-dark-connected')).toEqual([]);

    await page.locator('#theme-switcher').selectOption('contrast');
    await tab.locator('.fui-FluentProvider[data-theme="contrast"]').first().waitFor();
    expect(await captureAndAudit(page, session.frame(), 'tab-contrast-connected')).toEqual([]);
  });

  it('disconnect asks for confirmation with focus on Cancel (Enter keeps the connection), then the wizard starts again', async () => {
    const session = await open(ADMIN);
    const { tab } = session;
    const heading = tab.getByRole('heading', { name: 'Exchange is connected and healthy' });
    await heading.waitFor();
    await tab.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = tab.getByRole('alertdialog', { name: 'Disconnect Exchange?' });
    await dialog.waitFor();
    await dialog.getByTestId('disconnect-cancel').waitFor();
    // Focus starts on Cancel (the dialog moves it there when it opens).
    await dialog.locator('[data-testid="disconnect-cancel"]:focus').waitFor();
    await session.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    expect(await heading.count()).toBe(1);

    await tab.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await tab.getByRole('heading', { name: 'Where are your mailboxes?' }).waitFor();
  });
});
