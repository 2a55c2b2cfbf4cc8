/**
 * "Limit Exchange Connect to room mailboxes" (RBAC for Applications) walked from the status page:
 * the admin runs the PowerShell the page fills in (applied here through the sandbox's Exchange
 * RBAC control API, with the values read from the page), revokes the tenant-wide Calendars grant,
 * and proves it: a room opens and the admin's own mailbox is refused. Proving before that fails
 * with a readable reason and changes nothing.
 */
import type { FrameLocator } from 'playwright-core';
import type { IntegrationStatusView } from '../../api/src/http/contract';
import { announcement, captureAndAudit, tabTestFile, type OpenTab } from './tab-driver';

jest.setTimeout(180_000);

const ADMIN = 'admin@contoso.com';
const TENANT = 'contoso.com';

/** A cmdlet line the page shows, as its parameters: `-Name 'value'` (PowerShell '' is a quote). */
function parameters(command: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of command.matchAll(/-(\w+) '((?:[^']|'')*)'/g)) {
    if (name && value !== undefined) found[name] = value.replace(/''/g, "'");
  }
  return found;
}

async function command(
  tab: FrameLocator,
  id: string,
): Promise<{ cmdlet: string; args: Record<string, string> }> {
  const text = ((await tab.getByTestId(id).textContent()) ?? '').trim();
  return { cmdlet: text.split(' ')[0] ?? '', args: parameters(text) };
}

describe('Teams tab: limiting Exchange Connect to room mailboxes', () => {
  const file = tabTestFile();
  let session: OpenTab;

  const rbac = (method: string, path: string, body?: unknown) =>
    file.app.sandbox.control(method, `/exchange/rbac/${TENANT}${path}`, body);
  const integration = async () =>
    (await file.app.call<IntegrationStatusView>(ADMIN, 'GET', '/api/integration')).body.integration;

  beforeAll(async () => {
    // Connected over Graph, verified once (so the page knows the service principal's object id).
    expect(await file.app.connectModern(ADMIN)).toMatchObject({ outcome: 'verified' });
    // The sandbox applies RBAC changes at once (Exchange Online: up to two hours).
    expect((await file.app.sandbox.control('PUT', '/exchange/rbac/propagation', { seconds: 0 })).status).toBe(
      200,
    );
  });

  async function openSteps(): Promise<void> {
    const { tab } = session;
    await tab
      .getByRole('heading', { name: 'Exchange is connected and healthy' })
      .waitFor({ timeout: 30_000 });
    const card = tab.getByTestId('room-scope');
    expect(
      await card.getByRole('heading', { name: 'Limit Exchange Connect to room mailboxes' }).count(),
    ).toBe(1);
    await card.getByRole('button', { name: 'Show the steps' }).click();
    await tab.getByTestId('rbac-service-principal').waitFor();
    // The pressed button is gone: focus moved to the steps, not to the top of the page.
    expect(await card.locator(':focus').textContent()).toMatch(/^Today the admin consent/);
  }

  it('proving before the scope is applied fails with a readable reason and changes nothing', async () => {
    session = await file.open(ADMIN);
    const { tab } = session;
    await openSteps();
    // The room and the mailbox that must be refused are filled in: a readable room, the admin.
    expect(await tab.getByTestId('scope-room').inputValue()).toMatch(/^room\..+@contoso\.com$/);
    expect(await tab.getByTestId('scope-outside').inputValue()).toBe(ADMIN);
    await tab.getByRole('button', { name: 'Prove the scope' }).click();

    await tab.getByRole('heading', { name: 'Prove the room-only scope' }).waitFor();
    await tab.getByTestId('verify-failed').waitFor({ timeout: 60_000 });
    const scope = tab.getByTestId('checklist').locator('[data-step="scope"]');
    expect(await scope.getAttribute('data-state')).toBe('failed');
    const reason = (await scope.textContent()) ?? '';
    expect(reason).toContain('ScopeWidened');
    expect(reason).toContain(`it can open ${ADMIN}`);
    expect(reason).toContain('Revoke permission');
    await expect(announcement(tab, /^Verification failed with ScopeWidened/)).resolves.toMatch(
      /^Verification failed with ScopeWidened/,
    );
    expect(await captureAndAudit(session.page, session.frame(), 'tab-room-scope-widened')).toEqual([]);
    expect(await integration()).toMatchObject({ accessScope: 'organisation', status: 'verified' });

    await tab.getByRole('button', { name: 'Back to the status' }).click();
    await tab.getByRole('heading', { name: 'Exchange is connected and healthy' }).waitFor();
  });

  it('the filled-in commands applied and the tenant-wide grant revoked, the proof passes: rooms only, the admin refused', async () => {
    const { tab } = session;
    await openSteps();
    const { appId, integration: before } = (
      await file.app.call<IntegrationStatusView>(ADMIN, 'GET', '/api/integration')
    ).body;

    // Step 1 to 3: the page's PowerShell, run as Exchange would, with the values on the page.
    const servicePrincipal = await command(tab, 'rbac-service-principal');
    expect(servicePrincipal.cmdlet).toBe('New-ServicePrincipal');
    expect(servicePrincipal.args).toMatchObject({ AppId: appId, ObjectId: before?.servicePrincipalId });
    const sp = servicePrincipal.args;
    expect(
      (
        await rbac('POST', '/service-principals', {
          appId: sp.AppId,
          objectId: sp.ObjectId,
          displayName: sp.DisplayName,
        })
      ).status,
    ).toBe(201);
    const scope = await command(tab, 'rbac-scope');
    expect(scope.cmdlet).toBe('New-ManagementScope');
    expect(
      (
        await rbac('POST', '/scopes', {
          name: scope.args.Name,
          recipientRestrictionFilter: scope.args.RecipientRestrictionFilter,
        })
      ).status,
    ).toBe(201);
    const assignment = await command(tab, 'rbac-assignment');
    expect(assignment.cmdlet).toBe('New-ManagementRoleAssignment');
    expect(assignment.args.CustomResourceScope).toBe(scope.args.Name);
    expect(
      (
        await rbac('POST', '/role-assignments', {
          app: assignment.args.App,
          role: assignment.args.Role,
          customResourceScope: assignment.args.CustomResourceScope,
        })
      ).status,
    ).toBe(201);

    // Step 4: revoke the tenant-wide permission the page names (and keep the one it says to keep).
    const revokeStep = (await tab.getByTestId('room-scope').locator('li').nth(3).textContent()) ?? '';
    const revoked = /revoke (\S+?)\. /.exec(revokeStep)?.[1];
    expect(revoked).toBe('Calendars.ReadWrite');
    expect(
      (await file.app.sandbox.control('DELETE', `/entra/consent/${TENANT}/permissions/${revoked}`)).status,
    ).toBe(204);

    // Step 5: Test-ServicePrincipalAuthorization for the room the page filled in: InScope.
    const test = await command(tab, 'rbac-test');
    expect(test.cmdlet).toBe('Test-ServicePrincipalAuthorization');
    const room = test.args.Resource ?? '';
    expect(room).toBe(await tab.getByTestId('scope-room').inputValue());
    const authorization = await file.app.sandbox.control<{ value: { inScope: boolean }[] }>(
      'GET',
      `/exchange/rbac/${TENANT}/authorization?app=${encodeURIComponent(test.args.Identity ?? '')}&resource=${encodeURIComponent(room)}`,
    );
    expect(authorization.body.value.map((row) => row.inScope)).toContain(true);
    expect(await captureAndAudit(session.page, session.frame(), 'tab-room-scope-steps')).toEqual([]);

    await tab.getByRole('button', { name: 'Prove the scope' }).click();
    await tab.getByRole('heading', { name: 'Prove the room-only scope' }).waitFor();
    const connected = tab.getByRole('heading', { name: /^Exchange is connected/ });
    await connected.waitFor({ timeout: 60_000 });

    // Limited to rooms, proven: the room opens and the admin's own mailbox was refused.
    expect(await tab.getByTestId('note-room_scope').textContent()).toContain(
      `Limited to room mailboxes (RBAC for Applications), proven: ${room} opens`,
    );
    const card = tab.getByTestId('room-scope');
    expect(await card.getByRole('heading', { name: 'Limited to room mailboxes' }).count()).toBe(1);
    expect(await tab.getByTestId('connection-facts').textContent()).toContain(`Verification mailbox${room}`);
    const proof = tab.getByTestId('checklist').last();
    expect(await proof.locator('[data-step="scope"]').getAttribute('data-state')).toBe('ok');
    expect(await proof.locator('[data-step="scope"]').textContent()).toContain(
      `${ADMIN} was refused (ErrorAccessDenied).`,
    );
    expect(await integration()).toMatchObject({
      accessScope: 'rooms',
      status: 'verified',
      verificationMailbox: room,
    });
    expect(await captureAndAudit(session.page, session.frame(), 'tab-room-scope-proven')).toEqual([]);
  });
});
