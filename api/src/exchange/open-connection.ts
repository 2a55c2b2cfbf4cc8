/**
 * The one place that turns a stored integration into a live mailbox connection, for verification
 * and health alike: which protocol and endpoint, whether credentials may go there, an app-only
 * token with the permission the protocol needs (Exchange Online) or the service account's
 * password from Key Vault (Exchange Server). Each stage is reported as it settles, so verification
 * can show its checklist and health its checks; a failed stage ends the attempt with a diagnostic.
 */
import { diagnosticOf, type Diagnostic, type UnexpectedErrorReport } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { AppToken, AppTokenProvider } from '../identity/port';
import type { SecretVault } from '../secrets/port';
import type { Integration, JsonObject } from '../store/types';
import type {
  ConnectionCredentials,
  ExchangeTarget,
  MailboxAccess,
  MailboxProtocol,
  Protocol,
  ThrottlingMode,
} from './port';
import { FULL_ACCESS_AS_APP, requiredRoles } from './permissions';
import { untilAborted } from '../abort';
import { requireServiceAccountName } from './addresses';

export const CONNECTION_STAGES = ['endpoint', 'token', 'permission', 'credentials'] as const;
export type ConnectionStage = (typeof CONNECTION_STAGES)[number];

export interface StageResult {
  stage: ConnectionStage;
  ok: boolean;
  durationMs: number;
  diagnostic?: Diagnostic;
  detail?: JsonObject;
}

export interface ConnectionDeps {
  appId: string;
  /** Exchange Online's EWS URL (the legacy protocol for Exchange Online). */
  exchangeOnlineEwsUrl: string;
  /** Microsoft Graph's service root (https://graph.microsoft.com). */
  graphUrl: string;
  tokens: AppTokenProvider;
  vault: SecretVault;
  /** Throws ExchangeConnectError when credentials must not go to this URL (http, private hosts). */
  checkEndpoint(url: string): Promise<void>;
  protocols: Partial<Record<Protocol, MailboxProtocol>>;
  now(): number;
  /** Logs an unexpected error and answers its reference; verification and health show only that. */
  reportUnexpected?: UnexpectedErrorReport;
}

export type ConnectableIntegration = Pick<
  Integration,
  | 'tenantId'
  | 'method'
  | 'protocol'
  | 'accessScope'
  | 'ewsUrl'
  | 'serviceAccount'
  | 'secretId'
  | 'consentedAt'
>;

export interface OpenOptions {
  /** The mailbox calls act as where the protocol needs one (EWS room lookups). */
  actingAs: string;
  /** A new token rather than a cached one (a re-check that must see a grant change). */
  freshToken?: boolean;
  /** Health reports throttling at once (`report`); verification may sleep through a short back-off. */
  throttling?: ThrottlingMode;
  /** A deadline: each stage stops waiting when it aborts, failing with the signal's reason. */
  signal?: AbortSignal;
  onStage?(result: StageResult): void;
}

export interface OpenedConnection {
  ok: true;
  target: ExchangeTarget;
  endpoint: string;
  access: MailboxAccess;
  stages: StageResult[];
  token?: AppToken;
}

export interface FailedConnection {
  ok: false;
  /** The stage that failed, with its diagnostic. */
  failed: StageResult & { diagnostic: Diagnostic };
  stages: StageResult[];
  /** The token, when one was issued but lacks the permission. */
  token?: AppToken;
}

/** The integration as the union it is: Exchange Online, or Exchange Server with its service account. */
export function targetOf(integration: ConnectableIntegration): ExchangeTarget | undefined {
  if (integration.method === 'modern') {
    return {
      method: 'modern',
      tenantId: integration.tenantId,
      // Connections made before Graph existed were EWS (the migration marked them so).
      protocol: integration.protocol ?? 'ews',
      accessScope: integration.accessScope ?? 'organisation',
      ...(integration.consentedAt ? { consentedAt: integration.consentedAt } : {}),
    };
  }
  const { ewsUrl, serviceAccount, secretId } = integration;
  if (!ewsUrl || !serviceAccount || !secretId) return undefined;
  return { method: 'basic', tenantId: integration.tenantId, ewsUrl, serviceAccount, secretId };
}

function missingRoles(roles: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((role) => !roles.includes(role));
}

/** The token lacks a permission the protocol needs: consent missing (or not applied yet). */
export function missingPermission(
  roles: readonly string[],
  needed: readonly string[],
  ctx: RemediationContext,
): Diagnostic | undefined {
  const missing = missingRoles(roles, needed);
  if (missing.length === 0) return undefined;
  return {
    kind: 'consent_missing',
    code: missing.includes(FULL_ACCESS_AS_APP) ? 'NoFullAccessAsAppRole' : 'MissingApplicationPermission',
    message: `The token has no ${missing.join(', ')} role (roles: ${roles.join(', ') || 'none'}).`,
    remediation: remediationFor('consent_missing', ctx),
  };
}

function endpointOf(target: ExchangeTarget, deps: ConnectionDeps): string {
  if (target.method === 'basic') return target.ewsUrl;
  return target.protocol === 'graph' ? deps.graphUrl : deps.exchangeOnlineEwsUrl;
}

/** The protocol an integration's connection speaks (Exchange Server: always EWS). */
export function protocolOf(integration: Pick<Integration, 'method' | 'protocol'>): Protocol {
  return integration.method === 'modern' ? (integration.protocol ?? 'ews') : 'ews';
}

class StageRunner {
  readonly stages: StageResult[] = [];
  constructor(
    private readonly deps: ConnectionDeps,
    private readonly ctx: RemediationContext,
    private readonly onStage?: (result: StageResult) => void,
    private readonly signal?: AbortSignal,
  ) {}

  record(result: StageResult): StageResult {
    this.stages.push(result);
    this.onStage?.(result);
    return result;
  }

  /** Runs one stage; a thrown error becomes the stage's diagnostic. */
  async run<T>(
    stage: ConnectionStage,
    work: () => Promise<{ value: T; detail?: JsonObject }>,
  ): Promise<{ value: T } | { failed: StageResult & { diagnostic: Diagnostic } }> {
    const started = this.deps.now();
    try {
      const { value, detail } = await untilAborted(work(), this.signal);
      this.record({ stage, ok: true, durationMs: this.deps.now() - started, ...(detail ? { detail } : {}) });
      return { value };
    } catch (error) {
      const diagnostic = diagnosticOf(
        error,
        (kind) => remediationFor(kind, this.ctx),
        this.deps.reportUnexpected,
      );
      const failed = { stage, ok: false, durationMs: this.deps.now() - started, diagnostic };
      this.record(failed);
      return { failed };
    }
  }
}

export async function openConnection(
  deps: ConnectionDeps,
  integration: ConnectableIntegration,
  options: OpenOptions,
): Promise<OpenedConnection | FailedConnection> {
  const target = targetOf(integration);
  // The service root credentials go to: the EWS URL, or Graph's.
  const endpoint = target ? endpointOf(target, deps) : (integration.ewsUrl ?? '');
  const ctx: RemediationContext = {
    appId: deps.appId,
    mailbox: options.actingAs,
    ewsUrl: endpoint,
    ...(integration.serviceAccount ? { serviceAccount: integration.serviceAccount } : {}),
  };
  const runner = new StageRunner(deps, ctx, options.onStage, options.signal);
  const fail = (failed: StageResult & { diagnostic: Diagnostic }): FailedConnection => ({
    ok: false,
    failed,
    stages: runner.stages,
  });

  const checked = await runner.run('endpoint', async () => {
    await deps.checkEndpoint(endpoint);
    return {
      value: endpoint,
      detail: { url: endpoint, method: integration.method, protocol: protocolOf(integration) },
    };
  });
  if ('failed' in checked) return fail(checked.failed);

  if (!target) {
    const diagnostic: Diagnostic = {
      kind: 'secret_unavailable',
      code: 'NoServiceAccount',
      message: 'No service account is stored for this connection.',
      remediation: remediationFor('secret_unavailable', ctx),
    };
    return fail({
      ...runner.record({ stage: 'credentials', ok: false, durationMs: 0, diagnostic }),
      diagnostic,
    });
  }

  let credentials: ConnectionCredentials;
  let token: AppToken | undefined;
  if (target.method === 'basic') {
    const secret = await runner.run('credentials', async () => {
      // Whatever entry point stored it (tab, CLI): only a UPN or DOMAIN\user goes to Exchange.
      requireServiceAccountName(target.serviceAccount, ctx);
      return {
        value: await deps.vault.readPassword(target.secretId),
        detail: { serviceAccount: target.serviceAccount },
      };
    });
    if ('failed' in secret) return fail(secret.failed);
    credentials = { kind: 'password', username: target.serviceAccount, password: secret.value };
  } else {
    const required = requiredRoles(target.protocol, target.accessScope);
    const issued = await runner.run('token', async () => {
      let t = await deps.tokens.getAppToken(target.tenantId, target.protocol, {
        forceRefresh: options.freshToken ?? false,
      });
      // A cached token may predate the grant (Entra issues tokens without roles while consent
      // replicates): a missing permission is only believed from a token fetched just now.
      if (!options.freshToken && missingRoles(t.roles, required).length > 0) {
        t = await deps.tokens.getAppToken(target.tenantId, target.protocol, { forceRefresh: true });
      }
      const detail: JsonObject = {
        expiresOn: t.expiresOn.toISOString(),
        roles: t.roles,
        ...(t.servicePrincipalId ? { servicePrincipalId: t.servicePrincipalId } : {}),
      };
      return { value: t, detail };
    });
    if ('failed' in issued) return fail(issued.failed);
    token = issued.value;
    const missing = missingPermission(token.roles, required, ctx);
    const permission = runner.record({
      stage: 'permission',
      ok: missing === undefined,
      durationMs: 0,
      detail: { roles: token.roles },
      ...(missing ? { diagnostic: missing } : {}),
    });
    if (missing) return { ...fail({ ...permission, diagnostic: missing }), token };
    credentials = { kind: 'app-token', accessToken: token.accessToken };
  }

  const protocol = protocolOf(integration);
  const adapter = deps.protocols[protocol];
  if (!adapter) throw new Error(`No ${protocol} adapter is configured.`);
  const access = adapter.connect({
    tenantId: target.tenantId,
    endpoint,
    credentials,
    actingAs: options.actingAs,
    ...(options.throttling ? { throttling: options.throttling } : {}),
  });
  return {
    ok: true,
    target,
    endpoint,
    access,
    stages: runner.stages,
    ...(token ? { token } : {}),
  };
}
