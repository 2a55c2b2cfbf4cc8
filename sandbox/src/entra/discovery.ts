/** OpenID Connect discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and the signing keys (JWKS). */
import express from 'express';
import type { SandboxContext } from '../context';
import { aadsts, sendEntraError } from './errors';
import { answeredByFault } from './faults';
import { isTenantAlias, resolveTenant } from './tenants';

/** The v2 metadata document as Entra serves it; `{tenantid}` stays a placeholder for the aliases. */
export function openIdConfiguration(ctx: SandboxContext, tenantId: string) {
  const base = `${ctx.urls.entra}/${tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

export function createDiscoveryRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();

  router.get('/:tenant/v2.0/.well-known/openid-configuration', async (req, res) => {
    if (await answeredByFault(ctx, 'discovery', req, res)) return;
    const segment = req.params.tenant;
    if (isTenantAlias(segment)) {
      res.json(openIdConfiguration(ctx, '{tenantid}'));
      return;
    }
    const tenant = resolveTenant(ctx, segment);
    if (!tenant) {
      sendEntraError(ctx, req, res, aadsts.tenantNotFound(segment, 'invalid_tenant'));
      return;
    }
    res.json(openIdConfiguration(ctx, tenant.id));
  });

  router.get('/:tenant/discovery/v2.0/keys', async (req, res) => {
    if (await answeredByFault(ctx, 'keys', req, res)) return;
    const segment = req.params.tenant;
    if (!isTenantAlias(segment) && !resolveTenant(ctx, segment)) {
      sendEntraError(ctx, req, res, aadsts.tenantNotFound(segment, 'invalid_tenant'));
      return;
    }
    res.json(ctx.tokens.jwks());
  });

  return router;
}
