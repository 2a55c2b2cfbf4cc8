/**
 * The Bot Framework channel's own signing authority (login.botframework.com), separate from
 * Entra's: it signs what the channel posts to a bot and publishes its keys with the channel
 * endorsements botbuilder checks against `activity.channelId`.
 */
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createHash } from 'node:crypto';
import type { SandboxContext } from '../context';

export const CHANNEL_TOKEN_ISSUER = 'https://api.botframework.com';
export const OPENID_CONFIGURATION_PATH = '/v1/.well-known/openidconfiguration';
export const JWKS_PATH = '/v1/.well-known/keys';
const ENDORSEMENTS = ['msteams'];
const TOKEN_LIFETIME_SECONDS = 3600;

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class ChannelSigner {
  private constructor(
    private readonly privateKey: PrivateKey,
    private readonly publicJwk: JWK,
    readonly kid: string,
  ) {}

  static async create(): Promise<ChannelSigner> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 27);
    return new ChannelSigner(privateKey, jwk, kid);
  }

  /** The key document as login.botframework.com serves it: RSA keys, each with its endorsements. */
  jwks(): { keys: (JWK & { endorsements: string[] })[] } {
    return {
      keys: [
        {
          kty: 'RSA',
          use: 'sig',
          kid: this.kid,
          x5t: this.kid,
          n: this.publicJwk.n,
          e: this.publicJwk.e,
          endorsements: ENDORSEMENTS,
        },
      ],
    };
  }

  /** A channel-to-bot token: `aud` the bot's app id, `serviceurl` the activity's serviceUrl. */
  sign(input: { botAppId: string; serviceUrl: string; nowMs: number }): Promise<string> {
    const now = Math.floor(input.nowMs / 1000);
    return new SignJWT({ serviceurl: input.serviceUrl })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, x5t: this.kid, typ: 'JWT' })
      .setIssuer(CHANNEL_TOKEN_ISSUER)
      .setAudience(input.botAppId)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(this.privateKey);
  }
}

const signers = new WeakMap<SandboxContext, Promise<ChannelSigner>>();

export function channelSigner(ctx: SandboxContext): Promise<ChannelSigner> {
  let signer = signers.get(ctx);
  if (!signer) {
    signer = ChannelSigner.create();
    signers.set(ctx, signer);
  }
  return signer;
}

export function openIdConfiguration(ctx: SandboxContext) {
  return {
    issuer: CHANNEL_TOKEN_ISSUER,
    authorization_endpoint: 'https://invalid.botframework.com',
    jwks_uri: `${ctx.urls.connector}${JWKS_PATH}`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  };
}
