/**
 * A tenant named by a verified domain becomes its id through Entra's OpenID discovery document
 * (the issuer names the tenant); a tenant id is used as it is, and nothing that is neither a GUID
 * nor a domain name is ever put into the URL.
 */
import type { INetworkModule, NetworkResponse } from '@azure/msal-node';
import { resolveTenantId } from '../../api/src/identity/tenant-discovery';

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
const AUTHORITY = 'https://login.microsoftonline.com';

function transport(answer: (url: string) => NetworkResponse<unknown>) {
  const asked: string[] = [];
  const network: INetworkModule = {
    sendGetRequestAsync: async <T>(url: string) => {
      asked.push(url);
      return answer(url) as NetworkResponse<T>;
    },
    sendPostRequestAsync: () => Promise.reject(new Error('no POST expected')),
  };
  return { asked, deps: { authorityHost: AUTHORITY, appId: 'app', transport: network } };
}

const ok = (body: unknown): NetworkResponse<unknown> => ({ status: 200, headers: {}, body });

describe('resolveTenantId', () => {
  it('reads the tenant id from the issuer of <authority>/<domain>/v2.0/.well-known/openid-configuration', async () => {
    const { asked, deps } = transport(() =>
      ok({ issuer: `https://login.microsoftonline.com/${CONTOSO}/v2.0` }),
    );
    await expect(resolveTenantId(deps, 'Contoso.com')).resolves.toBe(CONTOSO);
    expect(asked).toEqual([`${AUTHORITY}/contoso.com/v2.0/.well-known/openid-configuration`]);
  });

  it('uses a tenant id as it is, lower case, without asking Entra', async () => {
    const { asked, deps } = transport(() => ok({}));
    await expect(resolveTenantId(deps, CONTOSO.toUpperCase())).resolves.toBe(CONTOSO);
    expect(asked).toEqual([]);
  });

  it.each(['contoso', '../common', 'contoso.com/../x', 'a b.com', ''])(
    'refuses %j without a request',
    async (name) => {
      const { asked, deps } = transport(() => ok({}));
      await expect(resolveTenantId(deps, name)).rejects.toMatchObject({ kind: 'tenant_not_found' });
      expect(asked).toEqual([]);
    },
  );

  it('an unknown domain (HTTP 400, AADSTS90002) is tenant_not_found', async () => {
    const { deps } = transport(() => ({
      status: 400,
      headers: {},
      body: {
        error: 'invalid_tenant',
        error_description: "AADSTS90002: Tenant 'x' not found.",
        error_codes: [90002],
      },
    }));
    await expect(resolveTenantId(deps, 'nowhere.example')).rejects.toMatchObject({
      kind: 'tenant_not_found',
      code: 'AADSTS90002',
    });
  });

  it('throttling and outages are not "not found"', async () => {
    const throttled = transport(() => ({ status: 429, headers: {}, body: {} }));
    await expect(resolveTenantId(throttled.deps, 'contoso.com')).rejects.toMatchObject({ kind: 'throttled' });
    const down = transport(() => ({ status: 503, headers: {}, body: {} }));
    await expect(resolveTenantId(down.deps, 'contoso.com')).rejects.toMatchObject({ kind: 'unreachable' });
  });

  it('an issuer that names no tenant is a protocol error, not a guess', async () => {
    const { deps } = transport(() => ok({ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' }));
    await expect(resolveTenantId(deps, 'contoso.com')).rejects.toMatchObject({ kind: 'protocol_error' });
  });
});
