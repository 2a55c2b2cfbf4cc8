/**
 * A legacy Exchange Online connection over EWS moves to Microsoft Graph from its status page: the
 * EWS retirement note offers "Move to Microsoft Graph", one admin consent for Graph's permissions,
 * a verification over Graph, and the same connection (its id, history and activity) carries on.
 */
import type { AuditView, IntegrationStatusView } from '../../api/src/http/contract';
import { captureAndAudit, expectConnectedAndHealthy, grantAdminConsent, tabTestFile } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin@contoso.com';

describe('Teams tab: moving an EWS connection to Microsoft Graph', () => {
  const file = tabTestFile();

  const integration = async () =>
    (await file.app.call<IntegrationStatusView>(ADMIN, 'GET', '/api/integration')).body.integration;

  it('the retirement note moves it with one consent, then it is connected over Graph, same integration', async () => {
    // A connection made with the legacy EWS option, before Graph was the default.
    expect(await file.app.connectModern(ADMIN, 'ews')).toMatchObject({ outcome: 'verified' });
    const legacy = await integration();
    expect(legacy).toMatchObject({ method: 'modern', protocol: 'ews', status: 'verified' });

    const session = await file.open(ADMIN);
    const { tab } = session;
    const note = tab.getByTestId('note-ews_retiring');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/uses EWS, which Exchange Online switches off on 2027-04-01/);
    expect(await tab.getByTestId('connection-facts').textContent()).toContain(
      'Exchange Online over Exchange Web Services',
    );
    // Room-only scope needs Graph: not offered over EWS; the EWS allow list is.
    expect(await tab.getByTestId('room-scope').count()).toBe(0);
    await tab.getByTestId('ews-allow-list').waitFor();
    expect(await captureAndAudit(session.page, session.frame(), 'tab-ews-retiring')).toEqual([]);

    await note.getByRole('button', { name: 'Move to Microsoft Graph' }).click();
    await tab.getByRole('heading', { name: 'Move to Microsoft Graph' }).waitFor();
    // The move is to Graph: no API to choose, and Graph's permissions, not full_access_as_app.
    expect(await tab.getByRole('radio').count()).toBe(0);
    const permissions = (await tab.getByTestId('consent-permissions').textContent()) ?? '';
    expect(permissions).toContain('Calendars.ReadWrite');
    expect(permissions).toContain('Place.Read.All');
    expect(permissions).not.toContain('full_access_as_app');
    expect(await captureAndAudit(session.page, session.frame(), 'tab-move-to-graph')).toEqual([]);
    await grantAdminConsent(session, ADMIN);

    await expectConnectedAndHealthy(tab, 'Exchange Online over Microsoft Graph');
    expect(await tab.getByTestId('note-ews_retiring').count()).toBe(0);
    expect(await tab.getByTestId('ews-allow-list').count()).toBe(0);
    await tab.getByTestId('room-scope').waitFor();
    const lastVerification = tab.getByTestId('checklist').last();
    expect(await lastVerification.locator('[data-step="endpoint"]').textContent()).toContain(
      'Microsoft Graph endpoint',
    );

    // The same connection moved, it was not replaced: same id, both consents on it in the log.
    const moved = await integration();
    expect(moved).toMatchObject({ id: legacy?.id, protocol: 'graph', status: 'verified' });
    const audit = (await file.app.call<AuditView>(ADMIN, 'GET', '/api/integration/audit')).body.entries;
    const consents = audit.filter((e) => e.action === 'consent.complete' && e.result === 'success');
    expect(consents.map((e) => e.target)).toEqual([legacy?.id, legacy?.id]);
    await tab.getByTestId('audit-entry').first().waitFor();
    const activity = await tab.getByTestId('audit-entry').allTextContents();
    expect(activity.filter((line) => line.startsWith('Admin consent'))).toHaveLength(2);
    expect(await captureAndAudit(session.page, session.frame(), 'tab-moved-to-graph')).toEqual([]);
  });
});
