/**
 * The botbuilder CloudAdapter: channel requests are validated against the Bot Framework OpenID
 * keys (botbuilder's own validation), and the bot calls the connector with a certificate token
 * from msal-node. botbuilder's CertificateServiceClientCredentialsFactory ignores the login
 * authority, so the certificate credential is our own ConfidentialClientApplication.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import {
  AuthenticationConfiguration,
  BotFrameworkAuthenticationFactory,
  MsalServiceClientCredentialsFactory,
  type BotFrameworkAuthentication,
} from 'botframework-connector';
import type { Logger } from './ports';
import type { BotCredentials, BotFrameworkEndpoints } from './settings';

function sha256Thumbprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

function certificateCredentials(
  credentials: BotCredentials,
  endpoints: BotFrameworkEndpoints,
): MsalServiceClientCredentialsFactory {
  const authority = new URL(endpoints.loginAuthority);
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: credentials.appId,
      authority: endpoints.loginAuthority,
      // A non-Microsoft host (sandbox, sovereign cloud) must be named or MSAL asks Microsoft's discovery.
      ...(authority.hostname.endsWith('.microsoftonline.com') ? {} : { knownAuthorities: [authority.host] }),
      clientCertificate: {
        thumbprintSha256: sha256Thumbprint(credentials.certPem),
        privateKey: credentials.keyPem,
        x5c: credentials.certPem,
      },
    },
  });
  // botframework-connector types this against its own msal-node 2; it only calls acquireTokenByClientCredential.
  type Msal2Client = ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1];
  return new MsalServiceClientCredentialsFactory(credentials.appId, msal as unknown as Msal2Client);
}

export function botFrameworkAuthentication(
  credentials: BotCredentials,
  endpoints: BotFrameworkEndpoints,
): BotFrameworkAuthentication {
  return BotFrameworkAuthenticationFactory.create(
    '',
    true,
    endpoints.loginAuthority,
    endpoints.oauthScope,
    endpoints.tokenIssuer,
    'https://api.botframework.com',
    endpoints.openIdMetadataUrl,
    endpoints.openIdMetadataUrl,
    'urn:botframework:azure',
    certificateCredentials(credentials, endpoints),
    new AuthenticationConfiguration(),
  );
}

/**
 * DANGER: no app id, no credentials: botbuilder then accepts unsigned requests and sends without a
 * token. Only for the offline Agents Playground on localhost; never reachable from configuration.
 */
export function dangerouslyUnauthenticatedBotFrameworkAuthentication(): BotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication({});
}

/** Logs the failure without the activity's content or any token, and tells the user politely. */
export function createCloudAdapter(auth: BotFrameworkAuthentication, log: Logger): CloudAdapter {
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    const { activity } = context;
    log.error(
      {
        err: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        activityType: activity.type,
        conversationId: activity.conversation?.id,
        tenantId: activity.conversation?.tenantId,
      },
      'bot turn failed',
    );
    if (activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on my side. Please try again in a minute.');
    }
  };
  return adapter;
}
