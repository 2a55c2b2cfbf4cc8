/**
 * Exchange Server (Basic) for Fabrikam: a wrong password fails verification with Exchange's answer
 * and a fix, and nothing is stored (the entered details are verified before they are kept); the
 * right one connects. The password is sealed in the browser: it never travels in clear and the
 * field is emptied after each submit.
 */
import type { Request } from 'playwright-core';
import type { IntegrationStatusView } from '../../api/src/http/contract';
import { announcement, captureAndAudit, expectConnectedAndHealthy, tabTestFile } from './tab-driver';
import { seededServicePassword } from '../support/sandbox';

jest.setTimeout(180_000);

const ADMIN = 'admin@fabrikam.com';
const SERVICE_ACCOUNT = 'svc-ews@fabrikam.com';
const WRONG_PASSWORD = 'Not-The-Password-1!';

describe('Teams tab: Exchange Server (Basic) for Fabrikam', () => {
  const file = tabTestFile();

  it('a wrong password fails with a readable fix; the right one connects', async () => {
    const rightPassword = seededServicePassword(file.app.sandbox, SERVICE_ACCOUNT);
    const session = await file.open(ADMIN);
    const { tab, page } = session;
    const bodies: string[] = [];
    page.on('request', (request: Request) => bodies.push(`${request.url()} ${request.postData() ?? ''}`));

    await tab.getByRole('radio', { name: /Exchange Server/ }).check();
    await tab.getByRole('button', { name: 'Next' }).click();
    await tab.getByRole('heading', { name: 'Connect Exchange Server' }).waitFor();
    const ewsUrl = `${file.app.sandbox.urls.exchangeServer}/EWS/Exchange.asmx`;
    await tab.getByRole('textbox', { name: 'EWS URL' }).fill(ewsUrl);
    await tab.getByRole('textbox', { name: 'Service account' }).fill(SERVICE_ACCOUNT);
    const password = tab.getByLabel('Password');
    await password.fill(WRONG_PASSWORD);
    expect(await tab.getByTestId('impersonation-command').textContent()).toBe(
      `New-ManagementRoleAssignment -Name 'Exchange Connect impersonation' -Role 'ApplicationImpersonation' -User '${SERVICE_ACCOUNT}'`,
    );
    expect(await captureAndAudit(page, session.frame(), 'tab-basic-form')).toEqual([]);

    await tab.getByRole('button', { name: 'Connect and verify' }).click();
    // Verified before stored: Exchange's refusal is a 400 invalid_credentials, and nothing was kept.
    const refused = tab.getByTestId('error-message');
    await refused.waitFor({ timeout: 60_000 });
    const refusal = (await refused.textContent()) ?? '';
    expect(refusal).toContain('The new details did not verify, so nothing was changed');
    expect(refusal).toMatch(/rejected the user name or password of svc-ews@fabrikam\.com/);
    await expect(announcement(tab, /^The new details did not verify/)).resolves.toMatch(
      /^The new details did not verify, so nothing was changed\./,
    );
    const checklist = tab.getByTestId('checklist');
    const failed = checklist.locator('li[data-state="failed"]');
    expect(await failed.count()).toBe(1);
    // The entered password is proven by opening the mailbox, from memory (Key Vault comes after).
    expect(await failed.getAttribute('data-step')).toBe('mailbox');
    expect(await checklist.locator('[data-step="credentials"]').textContent()).toContain(
      'password as entered',
    );
    // Nothing to retry with: the fix is the form, not "Try again".
    expect(await tab.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    const stored = await file.app.call<IntegrationStatusView>(ADMIN, 'GET', '/api/integration');
    expect(stored.body.integration).toBeNull();
    expect(await captureAndAudit(page, session.frame(), 'tab-basic-wrong-password')).toEqual([]);

    await tab.getByRole('button', { name: 'Change connection details' }).click();
    await tab.getByRole('heading', { name: 'Connect Exchange Server' }).waitFor();
    expect(await tab.getByRole('textbox', { name: 'EWS URL' }).inputValue()).toBe(ewsUrl);
    expect(await tab.getByRole('textbox', { name: 'Service account' }).inputValue()).toBe(SERVICE_ACCOUNT);
    expect(await password.inputValue()).toBe('');
    await password.fill(rightPassword);
    await tab.getByRole('button', { name: 'Connect and verify' }).click();

    // New credentials that verified refresh health at once: the headline is health's.
    await expectConnectedAndHealthy(tab, 'Exchange Server over EWS (service account)');
    const facts = (await tab.getByTestId('connection-facts').textContent()) ?? '';
    expect(facts).toContain(`Service account${SERVICE_ACCOUNT}`);
    expect(facts).toContain(`Verification mailbox${ADMIN}`);
    expect(facts).toContain(`EWS endpoint${ewsUrl}`);
    const rooms = tab.getByTestId('rooms-list').locator('li');
    expect(await rooms.allTextContents()).toEqual([
      expect.stringMatching(/Calendar readable/),
      expect.stringMatching(/Calendar readable/),
    ]);

    expect(await tab.getByTestId('ews-allow-list').count()).toBe(0);
    expect(await tab.getByRole('button', { name: 'Update password' }).count()).toBe(1);
    expect(await captureAndAudit(page, session.frame(), 'tab-basic-connected')).toEqual([]);

    const sent = bodies.join('\n');
    expect(sent).toContain('sealedPassword');
    expect(sent).not.toContain(WRONG_PASSWORD);
    expect(sent).not.toContain(rightPassword);
  });
});
