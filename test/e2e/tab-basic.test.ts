/**
 * Exchange Server (Basic) for Fabrikam: a wrong password fails verification with Exchange's answer
 * and a fix; the right one connects. The password is sealed in the browser: it never travels in
 * clear and the field is emptied after each submit.
 */
import type { Request } from 'playwright-core';
import { captureAndAudit, tabTestFile } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin@fabrikam.com';
const SERVICE_ACCOUNT = 'svc-ews@fabrikam.com';
const WRONG_PASSWORD = 'Not-The-Password-1!';

describe('Teams tab: Exchange Server (Basic) for Fabrikam', () => {
  const file = tabTestFile();

  function servicePassword(): string {
    const user = file.app.sandbox.context.seed.tenants
      .flatMap((t) => t.users)
      .find((u) => u.upn === SERVICE_ACCOUNT);
    const password = user?.serviceAccount?.password;
    if (!password) throw new Error(`${SERVICE_ACCOUNT} has no password in the seed`);
    return password;
  }

  it('a wrong password fails with a readable fix; the right one connects', async () => {
    const rightPassword = servicePassword();
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
    await tab.getByTestId('verify-failed').waitFor({ timeout: 60_000 });
    const checklist = tab.getByTestId('checklist');
    const failed = checklist.locator('li[data-state="failed"]');
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toMatch(/rejected the user name or password of svc-ews@fabrikam\.com/);
    expect(await captureAndAudit(page, session.frame(), 'tab-basic-wrong-password')).toEqual([]);

    await tab.getByRole('button', { name: 'Change connection details' }).click();
    await tab.getByRole('heading', { name: 'Connect Exchange Server' }).waitFor();
    expect(await tab.getByRole('textbox', { name: 'EWS URL' }).inputValue()).toBe(ewsUrl);
    expect(await tab.getByRole('textbox', { name: 'Service account' }).inputValue()).toBe(SERVICE_ACCOUNT);
    expect(await password.inputValue()).toBe('');
    await password.fill(rightPassword);
    await tab.getByRole('button', { name: 'Connect and verify' }).click();

    await tab.getByRole('heading', { name: 'Exchange is connected' }).waitFor({ timeout: 60_000 });
    const facts = (await tab.getByTestId('connection-facts').textContent()) ?? '';
    expect(facts).toContain('Exchange Server · Basic Authentication');
    expect(facts).toContain(`Service account${SERVICE_ACCOUNT}`);
    expect(facts).toContain(`Verified mailbox${ADMIN}`);
    expect(await tab.getByTestId('rooms-table').locator('tbody tr').count()).toBe(2);
    expect(await tab.getByTestId('ews-allow-list').count()).toBe(0);
    expect(await tab.getByRole('button', { name: 'Update password' }).count()).toBe(1);
    expect(await captureAndAudit(page, session.frame(), 'tab-basic-connected')).toEqual([]);

    const sent = bodies.join('\n');
    expect(sent).toContain('sealedPassword');
    expect(sent).not.toContain(WRONG_PASSWORD);
    expect(sent).not.toContain(rightPassword);
  });
});
