/**
 * A Global Admin without a mailbox (admin.nomailbox@contoso.com) grants consent, and verification
 * fails at the mailbox step with Microsoft's code and why a mailbox is needed: over Microsoft Graph
 * (the default) Graph's MailboxNotEnabledForRESTAPI, over the legacy EWS option Exchange's
 * ErrorNonExistentMailbox.
 */
import type { OpenTab } from './tab-driver';
import { announcement, captureAndAudit, grantAdminConsent, tabTestFile } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin.nomailbox@contoso.com';

describe('Teams tab: a Global Admin without a mailbox', () => {
  const file = tabTestFile();
  let session: OpenTab;

  /** The failed verification: the mailbox step names `code` and says why a mailbox is needed. */
  async function expectMailboxRemediation(code: string, screenshotName: string): Promise<void> {
    const { tab } = session;
    await tab.getByTestId('verify-failed').waitFor({ timeout: 60_000 });
    const checklist = tab.getByTestId('checklist');
    const mailbox = checklist.locator('[data-step="mailbox"]');
    expect(await mailbox.getAttribute('data-state')).toBe('failed');
    expect(await mailbox.textContent()).toContain(code);
    const remediation = (await tab.getByTestId('remediation-mailbox').textContent()) ?? '';
    expect(remediation).toMatch(/needs a mailbox/);
    expect(remediation).toMatch(/may leave the organisation/);
    for (const step of ['endpoint', 'token', 'permission']) {
      expect(await checklist.locator(`[data-step="${step}"]`).getAttribute('data-state')).toBe('ok');
    }
    expect(await checklist.locator('[data-step="rooms"]').getAttribute('data-state')).toBe('waiting');
    const failed = new RegExp(`^Verification failed with ${code}`);
    await expect(announcement(tab, failed)).resolves.toMatch(failed);
    await tab.getByRole('button', { name: 'Verify again' }).waitFor();
    expect(await captureAndAudit(session.page, session.frame(), screenshotName)).toEqual([]);
  }

  it('over Microsoft Graph the mailbox step fails with MailboxNotEnabledForRESTAPI and explains why a mailbox is needed', async () => {
    session = await file.open(ADMIN);
    const { tab } = session;
    expect(await tab.getByTestId('signed-in-upn').textContent()).toBe(ADMIN);
    await tab.getByRole('button', { name: 'Next' }).click();
    expect(await tab.getByRole('radio', { name: /Microsoft Graph/ }).isChecked()).toBe(true);
    await grantAdminConsent(session, ADMIN);
    await expectMailboxRemediation('MailboxNotEnabledForRESTAPI', 'tab-no-mailbox');
    expect(await tab.getByTestId('checklist').locator('[data-step="endpoint"]').textContent()).toContain(
      'Microsoft Graph endpoint',
    );
  });

  it('over the legacy EWS option the same admin gets ErrorNonExistentMailbox and the same advice', async () => {
    const { tab } = session;
    // The failed connection's status page: consent again, this time for EWS.
    await tab.getByRole('button', { name: 'Back to the status' }).click();
    await tab.getByRole('heading', { name: 'Exchange needs attention' }).waitFor();
    await tab.getByRole('button', { name: 'Grant consent again' }).click();
    await tab.getByRole('heading', { name: 'Grant admin consent again' }).waitFor();
    await tab.getByRole('radio', { name: /Exchange Web Services/ }).check();
    expect(await tab.getByTestId('consent-permissions').textContent()).toContain('full_access_as_app');
    await grantAdminConsent(session, ADMIN);
    await expectMailboxRemediation('ErrorNonExistentMailbox', 'tab-no-mailbox-ews');
    expect(await tab.getByTestId('checklist').locator('[data-step="endpoint"]').textContent()).toMatch(
      /Exchange Web Services/,
    );
  });
});
