/**
 * Microsoft 365 applies admin consent a while after Accept: the tab shows the verification as
 * pending ("waiting for Microsoft 365") and re-checks by itself until the connection is verified.
 */
import { captureAndAudit, expectConnectedAndHealthy, grantAdminConsent, tabTestFile } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin@contoso.com';
/** Far longer than the test: the grant stays "propagating" until the test says otherwise. */
const NOT_DURING_THIS_TEST_SECONDS = 600;

describe('Teams tab: consent granted but not yet applied', () => {
  const file = tabTestFile();

  it('shows the pending step, then re-checks by itself until Connected', async () => {
    const slow = await file.app.sandbox.control('PUT', '/entra/propagation', {
      seconds: NOT_DURING_THIS_TEST_SECONDS,
    });
    expect(slow.status).toBe(200);
    const session = await file.open(ADMIN);
    const { tab } = session;
    await tab.getByRole('button', { name: 'Next' }).click();
    await grantAdminConsent(session, ADMIN);

    await tab.getByRole('heading', { name: 'Verify the connection' }).waitFor();
    const pending = tab.getByTestId('pending-message');
    await pending.waitFor({ timeout: 30_000 });
    expect(await pending.textContent()).toMatch(
      /Waiting for Microsoft 365 to apply the consent.*checks again by itself/,
    );
    const checklist = tab.getByTestId('checklist');
    expect(await checklist.locator('[data-step="endpoint"]').getAttribute('data-state')).toBe('ok');
    expect(await checklist.locator('[data-step="permission"]').getAttribute('data-state')).toBe('pending');
    expect(await checklist.locator('[data-step="mailbox"]').getAttribute('data-state')).toBe('waiting');
    expect(await captureAndAudit(session.page, session.frame(), 'tab-modern-pending')).toEqual([]);
    const consent = await file.app.sandbox.control<{ state: string }>('GET', '/entra/consent/contoso.com');
    expect(consent.body.state).toBe('propagating');

    // Microsoft 365 catches up: the grant (made before) is effective from now on.
    expect((await file.app.sandbox.control('PUT', '/entra/propagation', { seconds: 0 })).status).toBe(200);
    expect(
      (await file.app.sandbox.control<{ state: string }>('GET', '/entra/consent/contoso.com')).body.state,
    ).toBe('effective');
    // No click: the tab asks again after the server's retryAfterMs. The verification that succeeds
    // refreshes health at once, so the status page leads with health's headline.
    await expectConnectedAndHealthy(tab, 'Exchange Online over Microsoft Graph', 120_000);
    // The re-checks the tab made by itself are in the activity log, each run folded into one entry.
    await tab.getByTestId('audit-entry').first().waitFor();
    const activity = await tab.getByTestId('audit-entry').allTextContents();
    expect(activity).toContainEqual(
      expect.stringMatching(new RegExp(`^Automatic re-checks? (×\\d+ )?of ${ADMIN}`)),
    );
    expect(activity).toContainEqual(expect.stringMatching(new RegExp(`^Verified ${ADMIN} — pending`)));
  });
});
