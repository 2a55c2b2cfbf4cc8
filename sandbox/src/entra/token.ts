/**
 * `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant with a certificate assertion,
 * answering with app-only access tokens or Entra's exact error bodies.
 */
import express from 'express';
import type { SandboxContext } from '../context';
import { ACCESS_TOKEN_LIFETIME_SECONDS, RESOURCES, issueAppOnlyToken, type Resource } from '../access-tokens';
import { aadsts, sendEntraError, type EntraError } from './errors';
import { answeredByFault } from './faults';
import { JtiReplayCache, verifyClientAssertion } from './client-assertion';
import { resolveTenant, servicePrincipalId, type ResolvedTenant } from './tenants';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Form = Record<string, string | undefined>;

interface Grant {
  tenant: ResolvedTenant;
  clientId: string;
  resource: Resource;
}

/** The resource a single `{resource}/.default` scope names, if the sandbox hosts it. */
function resourceOf(scope: string): Resource | undefined {
  return Object.values(RESOURCES).find((resource) => scope === `${resource}/.default`);
}

export function createTokenRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const replay = new JtiReplayCache();
  const { app, bot } = ctx.seed;

  /** Whether the client has a service principal in the tenant: at home always, elsewhere after consent. */
  const existsIn = (tenant: ResolvedTenant, clientId: string) =>
    !tenant.customer || (clientId === app.clientId && ctx.directory.hasServicePrincipal(tenant.id));

  /**
   * The resources each registration may request: the bot only the Bot Framework; our app Key Vault
   * and whatever its registration requests now (Exchange, and Microsoft Graph once it is registered).
   */
  const allowedResources = (clientId: string): Resource[] => {
    if (clientId === bot.appId) return [RESOURCES.botFramework];
    const requested = ctx.directory.requiredResources().map((r) => r.resource);
    return [RESOURCES.keyVault, ...Object.values(RESOURCES).filter((r) => requested.includes(r))];
  };

  function authorize(segment: string, form: Form): Grant | EntraError {
    const tenant = resolveTenant(ctx, segment);
    if (!tenant) return aadsts.tenantNotFound(segment);
    if (form.grant_type !== 'client_credentials') {
      return form.grant_type ? aadsts.unsupportedGrantType() : aadsts.missingParameter('grant_type');
    }
    const clientId = form.client_id;
    if (!clientId) return aadsts.missingParameter('client_id');
    if (!ctx.directory.isRegisteredApp(clientId) || !existsIn(tenant, clientId)) {
      return aadsts.appNotFound(clientId, tenant.displayName);
    }
    if (clientId === app.clientId && ctx.directory.appDisabled)
      return aadsts.appDisabled(clientId, app.displayName);

    if (!form.client_assertion) return aadsts.missingCredential();
    if (form.client_assertion_type !== JWT_BEARER) return aadsts.unsupportedAssertionType();
    const tokenEndpoint = (t: string) => `${ctx.urls.entra}/${t}/oauth2/v2.0/token`;
    const assertionError = verifyClientAssertion(ctx.directory, replay, {
      assertion: form.client_assertion,
      clientId,
      audiences: [tokenEndpoint(segment), tokenEndpoint(tenant.id)],
      nowMs: ctx.now(),
    });
    if (assertionError) return assertionError;

    if (!form.scope) return aadsts.missingParameter('scope');
    const resource = resourceOf(form.scope.trim());
    if (!resource || !allowedResources(clientId).includes(resource)) return aadsts.invalidScope(form.scope);
    return { tenant, clientId, resource };
  }

  router.post(
    '/:tenant/oauth2/v2.0/token',
    express.urlencoded({ extended: false, limit: '64kb' }),
    async (req, res) => {
      if (await answeredByFault(ctx, 'token', req, res)) return;
      const form = (req.body ?? {}) as Form;
      const outcome = authorize(req.params.tenant, form);
      if ('code' in outcome) {
        sendEntraError(ctx, req, res, outcome);
        return;
      }
      const { tenant, clientId, resource } = outcome;
      // App roles land only once their grant has replicated; until then the token does not carry them.
      const resourceApp = ctx.directory.requiredResources().find((r) => r.resource === resource);
      const roles =
        tenant.customer && clientId === app.clientId && resourceApp
          ? ctx.directory.effectiveRoles(tenant.id, resourceApp.resourceAppId)
          : [];
      const accessToken = await issueAppOnlyToken(ctx, {
        tenantId: tenant.id,
        appId: clientId,
        resource,
        roles,
        servicePrincipalId: servicePrincipalId(tenant.id, clientId),
      });
      res.set({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }).json({
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        access_token: accessToken,
      });
    },
  );

  return router;
}
