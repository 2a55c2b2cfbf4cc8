/**
 * `/{tenant}/v2.0/adminconsent`: sign-in (sandbox account picker), the consent prompt and the
 * redirect back to the app. The `scope` names the resources (`{resource}/.default`, space-separated)
 * whose configured permissions the admin grants, each propagating on its own. Entra's outcomes: a bad client or redirect URI and a user from
 * another directory stop on an error page; cancel and "not an admin" redirect with an error.
 */
import express from 'express';
import type { Request, Response } from 'express';
import type { SandboxContext } from '../context';
import type { SeedTenant, SeedUser } from '../seed';
import { aadsts, describe, traceFor, type EntraError } from './errors';
import {
  accountPickerPage,
  adminApprovalPage,
  consentPage,
  signInErrorPage,
  type HiddenFields,
} from './consent-pages';
import { TicketSigner } from './signed-ticket';
import type { ResourceApp } from './app-roles';
import { isTenantAlias, resolveTenant } from './tenants';

interface ConsentRequest {
  segment: string;
  clientId: string;
  scope: string;
  redirectUri: string;
  state?: string;
}

/** OpenID Connect scopes a consent URL may carry besides the resources; they grant nothing here. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

type Params = Record<string, string | undefined>;
type Outcome = Record<string, string>;

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function createAdminConsentRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const tickets = new TicketSigner(() => ctx.now());
  const { app } = ctx.seed;

  /** The requested resources a (space-separated) scope names; undefined when any part is not one. */
  function resourcesOf(scope: string): ResourceApp[] | undefined {
    const parts = scope.split(/\s+/).filter((p) => p && !OIDC_SCOPES.has(p.toLowerCase()));
    const resources = parts.map((p) => ctx.directory.requiredResourceByScope(p));
    if (parts.length === 0 || resources.some((r) => r === undefined)) return undefined;
    return [...new Set(resources as ResourceApp[])];
  }

  const registeredRedirectUris = () => [...app.redirectUris, `${ctx.appBaseUrl}/auth/consent/callback`];
  const actionOf = (segment: string) => `/${encodeURIComponent(segment)}/v2.0/adminconsent`;
  const requestKey = (r: ConsentRequest) =>
    JSON.stringify([r.segment, r.clientId, r.scope, r.redirectUri, r.state]);
  const fieldsOf = (r: ConsentRequest): HiddenFields => ({
    client_id: r.clientId,
    scope: r.scope,
    redirect_uri: r.redirectUri,
    state: r.state,
  });

  function errorPage(req: Request, res: Response, err: EntraError) {
    res
      .status(200)
      .type('html')
      .send(signInErrorPage(describe(err, traceFor(ctx, req))));
  }

  /** The redirect back to the app: the outcome's parameters, then `state` as Entra appends it. */
  function redirectBack(res: Response, r: ConsentRequest, outcome: Outcome) {
    const target = new URL(r.redirectUri);
    for (const [name, value] of Object.entries(outcome)) target.searchParams.append(name, value);
    if (r.state !== undefined) target.searchParams.append('state', r.state);
    res.redirect(302, target.toString());
  }

  function redirectError(
    req: Request,
    res: Response,
    r: ConsentRequest,
    err: EntraError,
    extra: Outcome = {},
  ) {
    const description = describe(err, traceFor(ctx, req));
    redirectBack(res, r, { error: err.error, ...extra, error_description: description });
  }

  /** Validates the request as Entra does before it ever redirects: client and redirect URI first. */
  function readRequest(req: Request, res: Response, params: Params): ConsentRequest | undefined {
    const segment = text(req.params.tenant) ?? '';
    if (!isTenantAlias(segment) && !resolveTenant(ctx, segment)) {
      errorPage(req, res, aadsts.tenantNotFound(segment));
      return undefined;
    }
    const clientId = params.client_id;
    if (!clientId) {
      errorPage(req, res, aadsts.missingParameter('client_id'));
      return undefined;
    }
    if (clientId !== app.clientId) {
      errorPage(req, res, aadsts.appNotFound(clientId, resolveTenant(ctx, segment)?.displayName ?? segment));
      return undefined;
    }
    const redirectUri = params.redirect_uri ?? '';
    if (!registeredRedirectUris().includes(redirectUri)) {
      errorPage(req, res, aadsts.redirectUriMismatch(redirectUri, clientId));
      return undefined;
    }
    const request: ConsentRequest = {
      segment,
      clientId,
      scope: params.scope ?? '',
      redirectUri,
      state: params.state,
    };
    if (!resourcesOf(request.scope)) {
      redirectError(
        req,
        res,
        request,
        request.scope ? aadsts.invalidScope(request.scope) : aadsts.missingParameter('scope'),
      );
      return undefined;
    }
    return request;
  }

  /** The tenant the consent applies to: the one in the path, or the user's own under /common. */
  function targetTenant(segment: string, home: SeedTenant) {
    return isTenantAlias(segment) ? home : resolveTenant(ctx, segment)?.customer;
  }

  function showConsentOrApproval(
    req: Request,
    res: Response,
    r: ConsentRequest,
    tenant: SeedTenant,
    user: SeedUser,
  ) {
    const fields = {
      ...fieldsOf(r),
      ticket: tickets.sign({ userId: user.id, tenantId: tenant.id, request: requestKey(r) }),
    };
    if (!ctx.directory.isGlobalAdmin(user)) {
      const err = aadsts.adminRequired();
      res
        .type('html')
        .send(
          adminApprovalPage(actionOf(r.segment), fields, app.displayName, `AADSTS${err.code}: ${err.text}`),
        );
      return;
    }
    res.type('html').send(
      consentPage(actionOf(r.segment), fields, {
        appName: app.displayName,
        publisherDomain: app.publisherDomain,
        userUpn: user.upn,
        permissions: (resourcesOf(r.scope) ?? []).flatMap((res) =>
          res.appRoles.map((role) => role.displayName),
        ),
      }),
    );
  }

  router.get('/:tenant/v2.0/adminconsent', (req, res) => {
    const params = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, text(v)]));
    const request = readRequest(req, res, params);
    if (!request) return;
    const accounts = ctx.seed.tenants.flatMap((tenant) =>
      tenant.users.map((u) => ({ upn: u.upn, displayName: u.displayName, tenant })),
    );
    res
      .type('html')
      .send(accountPickerPage(actionOf(request.segment), fieldsOf(request), accounts, params.login_hint));
  });

  router.post(
    '/:tenant/v2.0/adminconsent',
    express.urlencoded({ extended: false, limit: '32kb' }),
    (req, res) => {
      const form = Object.fromEntries(
        Object.entries((req.body ?? {}) as object).map(([k, v]) => [k, text(v)]),
      );
      const request = readRequest(req, res, form);
      if (!request) return;

      if (form.step === 'pick') {
        const found = ctx.directory.findUser(form.account ?? '');
        if (!found) {
          errorPage(req, res, aadsts.invalidSignInState());
          return;
        }
        const tenant = targetTenant(request.segment, found.tenant);
        if (!tenant || tenant.id !== found.tenant.id) {
          const name = resolveTenant(ctx, request.segment)?.displayName ?? request.segment;
          errorPage(
            req,
            res,
            aadsts.userNotInTenant(found.user.upn, found.tenant.id, name, app.clientId, app.displayName),
          );
          return;
        }
        showConsentOrApproval(req, res, request, tenant, found.user);
        return;
      }

      const ticket = tickets.verify(form.ticket, requestKey(request));
      const found = ticket ? ctx.directory.index.user(ticket.userId) : undefined;
      const tenant = found && found.tenant.id === ticket?.tenantId ? found.tenant : undefined;
      const user = tenant && found?.user;
      if (!tenant || !user) {
        errorPage(req, res, aadsts.invalidSignInState());
        return;
      }
      if (form.step === 'return' || !ctx.directory.isGlobalAdmin(user)) {
        redirectError(req, res, request, aadsts.adminRequired());
        return;
      }
      if (form.step === 'consent' && form.decision === 'accept') {
        ctx.directory.grantConsent(tenant.id, user.id, request.scope, resourcesOf(request.scope));
        redirectBack(res, request, { admin_consent: 'True', tenant: tenant.id, scope: request.scope });
        return;
      }
      if (form.step === 'consent' && form.decision === 'cancel') {
        redirectError(req, res, request, aadsts.userDeclined(), { error_subcode: 'cancel' });
        return;
      }
      errorPage(req, res, aadsts.invalidSignInState());
    },
  );

  return router;
}
