/**
 * A real botbuilder bot for connector tests: a CloudAdapter configured for the sandbox (channel
 * OpenID metadata on the sandbox connector, tokens from the sandbox Entra ID with the app
 * certificate), served over HTTPS at `/api/messages`. Production bots differ only in URLs.
 */
import express from 'express';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { CloudAdapter, TurnContext, type Activity } from 'botbuilder';
import {
  AuthenticationConfiguration,
  BotFrameworkAuthenticationFactory,
  MsalServiceClientCredentialsFactory,
  type BotFrameworkAuthentication,
} from 'botframework-connector';
import { certificateThumbprints } from '../../scripts/dev-certs';
import type { TestSandbox } from './sandbox';

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

export interface TestBot {
  /** `https://127.0.0.1:PORT/api/messages` */
  endpoint: string;
  adapter: CloudAdapter;
  /** Every activity that passed botbuilder's authentication and reached the bot's logic. */
  received: Partial<Activity>[];
  close(): Promise<void>;
}

/** The bot's credential: msal-node with the app certificate against the sandbox Entra authority. */
function credentialsFactory(sandbox: TestSandbox, appId: string): MsalServiceClientCredentialsFactory {
  const { urls, context, certs } = sandbox;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: appId,
      authority: `${urls.entra}/${context.seed.publisher.tenantId}`,
      knownAuthorities: [new URL(urls.entra).host],
      clientCertificate: {
        thumbprintSha256: certificateThumbprints(certs.appCertPem).sha256,
        privateKey: certs.appKeyPem,
      },
    },
  });
  // botframework-connector types this against its own msal-node 2; it only calls acquireTokenByClientCredential.
  type Msal2Client = ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1];
  return new MsalServiceClientCredentialsFactory(appId, msal as unknown as Msal2Client);
}

export function sandboxBotAuthentication(
  sandbox: TestSandbox,
  appId = sandbox.context.seed.bot.appId,
): BotFrameworkAuthentication {
  const { urls, context } = sandbox;
  const openIdMetadataUrl = `${urls.connector}/v1/.well-known/openidconfiguration`;
  return BotFrameworkAuthenticationFactory.create(
    '',
    true,
    `${urls.entra}/${context.seed.publisher.tenantId}`,
    BOT_FRAMEWORK_SCOPE,
    'https://api.botframework.com',
    urls.connector,
    openIdMetadataUrl,
    openIdMetadataUrl,
    'urn:botframework:azure',
    credentialsFactory(sandbox, appId),
    new AuthenticationConfiguration(),
  );
}

export async function startTestBot(
  sandbox: TestSandbox,
  onTurn: (turn: TurnContext) => Promise<void> = async () => {},
): Promise<TestBot> {
  const adapter = new CloudAdapter(sandboxBotAuthentication(sandbox));
  const received: Partial<Activity>[] = [];
  const app = express();
  app.use(express.json());
  app.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (turn) => {
      received.push(turn.activity);
      await onTurn(turn);
    });
  });
  const server = https.createServer({ cert: sandbox.certs.tlsCertPem, key: sandbox.certs.tlsKeyPem }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}/api/messages`,
    adapter,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
