/**
 * What Exchange Connect accepts as a mailbox address and as a service account, strictly, before any
 * of it reaches SOAP, a Graph URL, a Basic header or a PowerShell command; hostile input included.
 */
import { isMailboxAddress, isServiceAccountName } from '../../api/src/exchange/addresses';
import { connectBasicRequestSchema } from '../../api/src/http/contract';

const HOSTILE = [
  'svc@fabrikam.com$(Add-RoleGroupMember "Organization Management" -Member evil)',
  "svc@fabrikam.com'; Add-RoleGroupMember 'Organization Management' -Member evil; '",
  'svc@fabrikam.com`nAdd-RoleGroupMember',
  'admin@contoso.com</t:SmtpAddress><t:SmtpAddress>room.oslo@contoso.com',
  'a&b@contoso.com',
  'admin@contoso.com\r\nX-Injected: 1',
  'admin@contoso.com/../../me',
  'admin@contoso.com?$select=*',
  ' admin@contoso.com',
  'admin@contoso.com ',
  'admin@@contoso.com',
  'admin@contoso',
  'admin@-contoso.com',
  'admin@contoso..com',
  '.admin@contoso.com',
  'admin.@contoso.com',
  'ad..min@contoso.com',
  '@contoso.com',
  'admin@',
  `${'a'.repeat(65)}@contoso.com`,
  `admin@${'a'.repeat(64)}.com`,
  `admin@${Array.from({ length: 50 }, () => 'abcd').join('.')}.com`,
  'admin@contoso.c0m',
  '',
];

describe('mailbox addresses', () => {
  it.each([
    'admin@contoso.com',
    'Admin@Contoso.COM',
    "o'neil@contoso.com",
    'first.last+rooms@sub.contoso.co.uk',
    'room_1-a@contoso.onmicrosoft.com',
    'x@xn--bcher-kva.example',
  ])('accepts %s', (address) => {
    expect(isMailboxAddress(address)).toBe(true);
  });

  it.each(HOSTILE)('refuses %j', (address) => {
    expect(isMailboxAddress(address)).toBe(false);
  });
});

describe('service accounts: a UPN or DOMAIN\\user', () => {
  it.each(['svc-ews@fabrikam.com', "o'neil@fabrikam.com", 'FABRIKAM\\svc-ews', 'fab-01\\svc.ews_1'])(
    'accepts %s',
    (account) => {
      expect(isServiceAccountName(account)).toBe(true);
    },
  );

  it.each([
    ...HOSTILE,
    'FABRIKAM\\svc$',
    'FABRIKAM\\',
    '\\svc',
    'FABRIKAMFABRIKAM1\\svc',
    `FABRIKAM\\${'s'.repeat(21)}`,
    'FAB RIKAM\\svc',
    'FABRIKAM\\svc\\x',
    'FABRIKAM\\svc$(Add-RoleGroupMember)',
    'svc-ews',
  ])('refuses %j', (account) => {
    expect(isServiceAccountName(account)).toBe(false);
  });

  it('is enforced at the API boundary (connectBasicRequestSchema), naming the field', () => {
    const body = (serviceAccount: string) => ({
      ewsUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx',
      serviceAccount,
      // Well-formed, so only the service account is refused.
      sealedPassword: { kid: 'k'.repeat(43), ciphertext: 'aGVhZGVy.a2V5.aXY.Y2lwaGVy.dGFn' },
    });
    expect(connectBasicRequestSchema.safeParse(body('svc-ews@fabrikam.com')).success).toBe(true);
    expect(connectBasicRequestSchema.safeParse(body('FABRIKAM\\svc-ews')).success).toBe(true);
    const refused = connectBasicRequestSchema.safeParse(
      body('svc@fabrikam.com$(Add-RoleGroupMember "Organization Management" -Member evil)'),
    );
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['serviceAccount', 'must be a user principal name (user@domain.tld) or DOMAIN\\user'],
    ]);
  });
});
