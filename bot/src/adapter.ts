/**
 * The botbuilder CloudAdapter: channel requests are validated against the Bot Framework OpenID
 * keys (botbuilder's own validation), and the bot calls the connector with a certificate token
 * from msal-node. botbuilder's CertificateServiceClientCredentialsFactory ignores the login
 * authority, so the certificate credential is our own ConfidentialClientApplication.
 *
 * Proactive sends (the notifier) go out without botbuilder's retries: botbuilder 4.23's
 * ConnectorClient is an @azure/core-client ServiceClient whose pipeline carries the default retry
 * policy (3 retries, a 429's Retry-After slept through, 5xx and network errors backed off), and
 * `ConnectorClientOptions.retryOptions` / `noRetryPolicy` never reach that pipeline
 * (botbuilder-stdlib's ServiceClientContext passes on only the base URI, proxy, HTTP client and
 * credential scopes). A sleeping send would hold a notifier slot that other conversations need and
 * stretch the send past its budget; the notifier keeps its own durable, per-conversation schedule.
 * Replies inside incoming turns (a user waiting for an answer) keep botbuilder's retries.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type TurnContext,
} from 'botbuilder';
import type { Pipeline } from '@azure/core-rest-pipeline';
import {
  AuthenticationConfiguration,
  BotFrameworkAuthentication,
  BotFrameworkAuthenticationFactory,
  ConnectorFactory,
  MsalServiceClientCredentialsFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
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

/** Where botbuilder-stdlib keeps the core-client ServiceClient (a private field in its typings). */
interface WithCoreClient {
  client?: { pipeline?: Pick<Pipeline, 'removePolicy'> };
}

/**
 * Removes the retry phase from one ConnectorClient's pipeline, so a 429 or 5xx comes back to the
 * caller at once. Throws if botframework-connector changed shape, so an upgrade cannot silently
 * bring the retries back.
 */
export function withoutRetries(connector: ConnectorClient): ConnectorClient {
  const pipeline = (connector as unknown as WithCoreClient).client?.pipeline;
  const removed =
    typeof pipeline?.removePolicy === 'function' ? pipeline.removePolicy({ phase: 'Retry' }) : [];
  if (removed.length === 0) {
    throw new Error(
      'botframework-connector changed: its ConnectorClient retry policy was not found (bot/src/adapter.ts).',
    );
  }
  return connector;
}

class ConnectorFactoryWithoutRetries extends ConnectorFactory {
  constructor(private readonly inner: ConnectorFactory) {
    super();
  }
  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return withoutRetries(await this.inner.create(serviceUrl, audience));
  }
}

/** The given authentication, except that proactive ConnectorClients (continueConversationAsync) do not retry. */
class ProactiveSendsWithoutRetries extends BotFrameworkAuthentication {
  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }
  authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateRequest(activity, authHeader);
  }
  authenticateStreamingRequest(
    authHeader: string,
    channelIdHeader: string,
  ): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }
  /** CloudAdapter asks this for proactive turns only; incoming turns get their factory from authenticateRequest. */
  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new ConnectorFactoryWithoutRetries(this.inner.createConnectorFactory(claimsIdentity));
  }
  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }
  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }
  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }
  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }
}

/**
 * Logs the failure without the activity's content or any token, and tells the user politely.
 * `proactiveRetries: false` (the default) turns off botbuilder's retries for proactive sends.
 */
export function createCloudAdapter(
  auth: BotFrameworkAuthentication,
  log: Logger,
  options: { proactiveRetries?: boolean } = {},
): CloudAdapter {
  const adapter = new CloudAdapter(options.proactiveRetries ? auth : new ProactiveSendsWithoutRetries(auth));
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
