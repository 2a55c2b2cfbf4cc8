import { ERROR_KINDS } from '../../api/src/errors';
import { remediationFor } from '../../api/src/remediation';
import {
  casMailboxEwsCommand,
  ewsAllowListCommand,
  ewsUserAgentAllowListCommand,
} from '../../api/src/powershell-commands';

const appId = '52c54a6a-55a3-4c79-a19b-df6eae6b8dda';

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

  it('gives the ApplicationImpersonation command for the service account', () => {
    expect(remediationFor('impersonation_denied', { appId, serviceAccount: 'svc@fabrikam.com' })).toContain(
      '-Role ApplicationImpersonation -User "svc@fabrikam.com"',
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
