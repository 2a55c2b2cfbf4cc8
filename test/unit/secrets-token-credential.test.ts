/** The TokenCredential Key Vault's SDK calls, on top of our own AccessTokenSource port. */
import { accessTokenSourceCredential } from '../../api/src/secrets/token-credential';
import type { AccessTokenSource } from '../../api/src/identity/port';

const PUBLISHER = '0b6f4c1e-5b7a-4c6e-9a57-2f1d8e3c4b5a';
const CHALLENGE_TENANT = '7c2e9d41-3f8a-4b6c-a1d2-9e8f7a6b5c4d';

function recordingSource() {
  const calls: Array<{ scope: string; tenantId: string }> = [];
  const source: AccessTokenSource = {
    async getAccessToken(scope, tenantId) {
      calls.push({ scope, tenantId });
      return { token: `token-for-${tenantId}`, expiresOnTimestamp: 1_800_000_000_000 };
    },
  };
  return { source, calls };
}

describe('accessTokenSourceCredential', () => {
  it('asks for the tenant named by the Key Vault challenge', async () => {
    const { source, calls } = recordingSource();
    const token = await accessTokenSourceCredential(source, PUBLISHER).getToken(
      ['https://vault.azure.net/.default'],
      { tenantId: CHALLENGE_TENANT },
    );
    expect(calls).toEqual([{ scope: 'https://vault.azure.net/.default', tenantId: CHALLENGE_TENANT }]);
    expect(token).toEqual({
      token: `token-for-${CHALLENGE_TENANT}`,
      expiresOnTimestamp: 1_800_000_000_000,
      tokenType: 'Bearer',
    });
  });

  it('falls back to the publisher tenant without a challenge tenant', async () => {
    const { source, calls } = recordingSource();
    await accessTokenSourceCredential(source, PUBLISHER).getToken('https://vault.azure.net/.default');
    expect(calls).toEqual([{ scope: 'https://vault.azure.net/.default', tenantId: PUBLISHER }]);
  });

  it('refuses more than one scope, which Entra cannot put in one token', async () => {
    const { source, calls } = recordingSource();
    await expect(
      accessTokenSourceCredential(source, PUBLISHER).getToken(['https://vault.azure.net/.default', 'openid']),
    ).rejects.toThrow('Expected exactly one scope, got 2');
    expect(calls).toEqual([]);
  });
});
