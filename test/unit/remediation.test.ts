import { ERROR_KINDS } from '../../api/src/errors';
import { remediationFor } from '../../api/src/remediation';
import {
  casMailboxEwsCommand,
  ewsAllowListCommand,
  ewsUserAgentAllowListCommand,
  impersonationCommand,
} from '../../api/src/powershell-commands';
import { roomScopeCommands } from '../../api/src/room-scope-commands';

/**
 * What PowerShell would read as code: the text with every single-quoted literal taken out
 * (PowerShell also closes a literal with ‘ ’ ‚ ‛ and doubles any of them to escape one).
 */
function outsideLiterals(text: string): string {
  return text.replace(
    /['\u2018\u2019\u201A\u201B](?:[^'\u2018\u2019\u201A\u201B]|['\u2018\u2019\u201A\u201B]{2})*['\u2018\u2019\u201A\u201B]/g,
    "''",
  );
}

const appId = '52c54a6a-55a3-4c79-a19b-df6eae6b8dda';

describe('roomScopeCommands (RBAC for Applications)', () => {
  it('are exactly the four cmdlets, with the tenant values filled in as literals', () => {
    expect(
      roomScopeCommands({
        appId,
        servicePrincipalId: '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        room: 'room.1@contoso.com',
      }),
    ).toEqual({
      servicePrincipal: `New-ServicePrincipal -AppId '${appId}' -ObjectId '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' -DisplayName 'Exchange Connect'`,
      scope:
        "New-ManagementScope -Name 'Exchange Connect rooms' -RecipientRestrictionFilter 'RecipientTypeDetails -eq ''RoomMailbox'''",
      assignment: `New-ManagementRoleAssignment -App '${appId}' -Role 'Application Calendars.ReadWrite' -CustomResourceScope 'Exchange Connect rooms'`,
      test: `Test-ServicePrincipalAuthorization -Identity '${appId}' -Resource 'room.1@contoso.com'`,
    });
  });
});

describe('remediationFor', () => {
  it('has advice for every kind', () => {
    for (const kind of ERROR_KINDS) expect(remediationFor(kind, { appId }).length).toBeGreaterThan(40);
  });

  it('gives the exact EWS allow-list command, which reads the list and adds to it, and both dates', () => {
    const command =
      "$ids = @((Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }); " +
      `Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ((@($ids) + '${appId}' | Sort-Object -Unique) -join ',')`;
    expect(ewsAllowListCommand(appId)).toBe(command);
    const text = remediationFor('ews_blocked', { appId });
    expect(text).toContain(command);
    expect(text).toContain('2026-10-01');
    expect(text).toContain('2027-04-01');
  });

  it('gives the per-mailbox EWS command, and the user-agent allow-list command', () => {
    expect(casMailboxEwsCommand("o'neil@contoso.com")).toBe(
      "Set-CASMailbox -Identity 'o''neil@contoso.com' -EwsEnabled $true",
    );
    expect(ewsUserAgentAllowListCommand()).toBe(
      "Set-OrganizationConfig -EwsAllowList @{Add='ExchangeConnect/*'}",
    );
  });

  it('gives the ApplicationImpersonation command for the service account, whole and with exactly its parameters', () => {
    const command = impersonationCommand('svc@fabrikam.com');
    expect(command).toBe(
      "New-ManagementRoleAssignment -Name 'Exchange Connect impersonation' -Role 'ApplicationImpersonation' -User 'svc@fabrikam.com'",
    );
    const parameters = [...outsideLiterals(command).matchAll(/\s-(\w+)/g)].map((m) => m[1]);
    expect(parameters).toEqual(['Name', 'Role', 'User']);
    expect(remediationFor('impersonation_denied', { appId, serviceAccount: 'svc@fabrikam.com' })).toContain(
      command,
    );
    expect(impersonationCommand("o'neil@fabrikam.com")).toBe(
      "New-ManagementRoleAssignment -Name 'Exchange Connect impersonation' -Role 'ApplicationImpersonation' -User 'o''neil@fabrikam.com'",
    );
  });

  describe('every generated command keeps every value inside a single-quoted literal', () => {
    const HOSTILE = [
      'svc@fabrikam.com$(Add-RoleGroupMember "Organization Management" -Member evil)',
      "svc@fabrikam.com'; Add-RoleGroupMember 'Organization Management' -Member evil; '",
      'svc@fabrikam.com\u2019; Add-RoleGroupMember x; \u2018',
      'svc@fabrikam.com`nAdd-RoleGroupMember x',
    ];
    /** A single-quoted PowerShell literal, written out independently of psQuote. */
    const literal = (v: string) => `'${v.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
    const scope = (v: string) => roomScopeCommands({ appId: v, servicePrincipalId: v, room: v });
    const builders: Array<[string, (value: string) => string]> = [
      ['impersonation', impersonationCommand],
      ['EWS allow list', ewsAllowListCommand],
      ['CAS mailbox', casMailboxEwsCommand],
      ['room scope: service principal', (v) => scope(v).servicePrincipal],
      ['room scope: assignment', (v) => scope(v).assignment],
      ['room scope: test', (v) => scope(v).test],
    ];
    it.each(builders.flatMap(([name, build]) => HOSTILE.map((v) => [name, v, build] as const)))(
      '%s command: %j stays one literal',
      (_name, value, build) => {
        const command = build(value);
        expect(outsideLiterals(command)).not.toContain('Add-RoleGroupMember');
        expect(command).toContain(literal(value));
      },
    );
    it.each(HOSTILE)(
      'the remediation texts carry those commands whole, and quote what they interpolate: %j',
      (v) => {
        expect(remediationFor('impersonation_denied', { appId, serviceAccount: v })).toContain(
          impersonationCommand(v),
        );
        const blocked = remediationFor('ews_blocked', { appId: v, mailbox: v });
        expect(blocked).toContain(ewsAllowListCommand(v));
        expect(blocked).toContain(casMailboxEwsCommand(v));
        expect(blocked).toContain(`Get-CASMailbox -Identity ${literal(v)} | Format-List EwsEnabled`);
        expect(remediationFor('access_policy_denied', { appId: v, mailbox: v })).toContain(
          `Test-ApplicationAccessPolicy -Identity ${literal(v)} -AppId ${literal(v)}`,
        );
        expect(remediationFor('access_policy_denied', { appId: v, mailbox: v, service: 'graph' })).toContain(
          `Test-ServicePrincipalAuthorization -Identity ${literal(v)} -Resource ${literal(v)}`,
        );
      },
    );
  });

  it('explains why a mailbox is needed and that the admin may leave afterwards', () => {
    const text = remediationFor('mailbox_not_found', { appId, mailbox: 'admin@contoso.com' });
    expect(text).toMatch(/proves that the connection works by opening the mailbox/);
    expect(text).toMatch(/may leave the organisation/);
  });

  it('words transport failures for the service that failed', () => {
    for (const kind of ['throttled', 'unreachable', 'timeout', 'untrusted_certificate'] as const) {
      expect(remediationFor(kind, { appId, service: 'keyvault' })).toMatch(/Azure Key Vault/);
      expect(remediationFor(kind, { appId, service: 'entra' })).toMatch(/Microsoft Entra ID/);
      expect(remediationFor(kind, { appId, service: 'keyvault' })).not.toMatch(
        /EWS|Exchange (endpoint|is busy|did not)/,
      );
    }
    expect(remediationFor('throttled', { appId, retryAfterMs: 4500 })).toMatch(
      /Exchange is busy and asked us to wait 5 s/,
    );
  });
});
