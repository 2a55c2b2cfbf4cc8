/**
 * A Global Admin without a mailbox (admin.nomailbox@contoso.com) grants consent, and verification
 * fails at the mailbox step with Exchange's ErrorNonExistentMailbox and why a mailbox is needed.
 */
import { announcement, answerConsentPopup, captureAndAudit, tabTestFile } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin.nomailbox@contoso.com';
const FAILED_ANNOUNCEMENT = /^Verification failed with ErrorNonExistentMailbox/;

describe('Teams tab: a Global Admin without a mailbox', () => {
  const file = tabTestFile();

  it('the mailbox step fails with ErrorNonExistentMailbox and explains why a mailbox is needed', async () => {
    const session = await file.open(ADMIN);
    const { tab } = session;
    expect(await tab.getByTestId('signed-in-upn').textContent()).toBe(ADMIN);
    await tab.getByRole('button', { name: 'Next' }).click();
    await answerConsentPopup(
      session.context,
      () => tab.getByRole('button', { name: 'Grant admin consent' }).click(),
      ADMIN,
      'accept',
    );

    await tab.getByTestId('verify-failed').waitFor({ timeout: 60_000 });
    const checklist = tab.getByTestId('checklist');
    const mailbox = checklist.locator('[data-step="mailbox"]');
    expect(await mailbox.getAttribute('data-state')).toBe('failed');
    expect(await mailbox.textContent()).toContain('ErrorNonExistentMailbox');
    const remediation = (await tab.getByTestId('remediation-mailbox').textContent()) ?? '';
    expect(remediation).toMatch(/needs a mailbox/);
    expect(remediation).toMatch(/may leave the organisation/);
    for (const step of ['endpoint', 'token', 'permission']) {
      expect(await checklist.locator(`[data-step="${step}"]`).getAttribute('data-state')).toBe('ok');
    }
    expect(await checklist.locator('[data-step="rooms"]').getAttribute('data-state')).toBe('waiting');
    await expect(announcement(tab, FAILED_ANNOUNCEMENT)).resolves.toMatch(FAILED_ANNOUNCEMENT);
    await tab.getByRole('button', { name: 'Verify again' }).waitFor();
    expect(await captureAndAudit(session.page, session.frame(), 'tab-no-mailbox')).toEqual([]);
  });
});
