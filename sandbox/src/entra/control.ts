/**
 * `/_sandbox/entra/…`: break and repair the sandbox Entra ID on purpose — grant or revoke consent,
 * grant or remove single tenant-wide app roles, set the consent-propagation delay, choose which
 * resources the app registration requests, disable the app, register, remove or expire certificates.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import type { AppRoleGrant, RegisteredCertificate } from '../directory';
import type { SeedTenant } from '../seed';
import { defaultScopeOf } from './app-roles';
import { servicePrincipalId } from './tenants';
import { parseBody, sendProblem } from '../home/problem';

const consentBody = z.object({
  tenant: z.string().min(1),
  /** UPN or object id of the granting user; defaults to the tenant's first Global Administrator. */
  user: z.string().min(1).optional(),
});
const propagationBody = z.object({ seconds: z.number().nonnegative() });
const appRoleBody = z.object({
  /** The permission's value, e.g. `Calendars.ReadWrite`. */
  permission: z.string().min(1),
  /** Resource URI or resourceAppId; needed only where two resources share a value. */
  resource: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
});
const requiredResourcesBody = z.object({ resourceAppIds: z.array(z.string()) });
const certificateBody = z.object({ pem: z.string().min(1), appId: z.string().optional() });

const describeCertificate = (ctx: SandboxContext, c: RegisteredCertificate) => ({
  appId: c.appId,
  sha1: c.sha1,
  sha256: c.sha256,
  notBefore: c.notBefore.toISOString(),
  notAfter: c.notAfter.toISOString(),
  expired: c.notAfter.getTime() <= ctx.now(),
});

export function createEntraControlRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const { directory } = ctx;

  const describeGrant = (g: AppRoleGrant) => ({
    resource: g.resource,
    resourceAppId: g.resourceAppId,
    permission: g.value,
    id: g.id,
    state: directory.grantState(g),
    grantedBy: g.grantedBy,
    grantedAt: new Date(g.grantedAtMs).toISOString(),
  });

  const consentView = (tenantId: string) => {
    const grant = directory.consent(tenantId);
    return {
      tenantId,
      state: directory.consentState(tenantId),
      ...(grant
        ? {
            servicePrincipalId: servicePrincipalId(tenantId, ctx.seed.app.clientId),
            grantedBy: grant.grantedBy,
            scope: grant.scope,
            grantedAt: new Date(grant.grantedAtMs).toISOString(),
          }
        : {}),
      permissions: directory.appRoleGrants(tenantId).map(describeGrant),
    };
  };

  /** The tenant a route names, or a 404 problem. */
  function tenantOf(res: Response, segment: string) {
    const tenant = directory.findTenant(segment);
    if (!tenant) sendProblem(res, 404, 'tenant_not_found', `No sandbox tenant '${segment}'.`);
    return tenant;
  }

  /** The granting user: a UPN or object id of the tenant, else its first Global Administrator. */
  function granterOf(res: Response, tenant: SeedTenant, upnOrId: string | undefined) {
    const found = upnOrId ? directory.index.user(upnOrId) : undefined;
    const user = upnOrId
      ? found?.tenant.id === tenant.id
        ? found.user
        : undefined
      : tenant.users.find((u) => directory.isGlobalAdmin(u));
    if (!user) {
      sendProblem(
        res,
        404,
        'user_not_found',
        `No user '${upnOrId ?? 'Global Administrator'}' in ${tenant.displayName}.`,
      );
    }
    return user;
  }

  /** The app registration a request names (`appId` in body or query), our app by default. */
  function appIdOf(req: Request, res: Response, appId: unknown): string | undefined {
    const id = typeof appId === 'string' && appId ? appId : ctx.seed.app.clientId;
    if (directory.isRegisteredApp(id)) return id;
    sendProblem(res, 404, 'app_not_found', `No app registration '${id}' in the sandbox.`);
    return undefined;
  }

  /** Grants every permission the app registration requests, on every resource it requests. */
  router.post('/consent', (req, res) => {
    const body = parseBody(consentBody, req, res);
    if (!body) return;
    const tenant = tenantOf(res, body.tenant);
    const user = tenant && granterOf(res, tenant, body.user);
    if (!tenant || !user) return;
    const scope = directory
      .requiredResources()
      .map((r) => defaultScopeOf(r.resource))
      .join(' ');
    directory.grantConsent(tenant.id, user.id, scope);
    res.status(201).json(consentView(tenant.id));
  });

  router.get('/consent/:tenant', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant) res.json(consentView(tenant.id));
  });

  /** Grants one more tenant-wide app role to the consented service principal. */
  router.post('/consent/:tenant/permissions', (req, res) => {
    const body = parseBody(appRoleBody, req, res);
    if (!body) return;
    const tenant = tenantOf(res, req.params.tenant);
    const user = tenant && granterOf(res, tenant, body.user);
    if (!tenant || !user) return;
    if (!directory.hasServicePrincipal(tenant.id)) {
      return sendProblem(
        res,
        404,
        'consent_not_found',
        `${tenant.displayName} has not consented to the app.`,
      );
    }
    const grant = directory.grantAppRole(tenant.id, body.permission, user.id, body.resource);
    if (!grant) return sendProblem(res, 404, 'permission_not_found', `No permission '${body.permission}'.`);
    res.status(201).json(describeGrant(grant));
  });

  /** Removes one tenant-wide app role, as an admin does under Enterprise applications → Permissions. */
  router.delete('/consent/:tenant/permissions/:permission', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (!tenant) return;
    const resource = typeof req.query.resource === 'string' ? req.query.resource : undefined;
    if (!directory.removeAppRole(tenant.id, req.params.permission, resource)) {
      return sendProblem(
        res,
        404,
        'permission_not_found',
        `${tenant.displayName} has not granted '${req.params.permission}' to the app.`,
      );
    }
    res.status(204).end();
  });

  router.delete('/consent/:tenant', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (!tenant) return;
    if (!directory.revokeConsent(tenant.id)) {
      return sendProblem(
        res,
        404,
        'consent_not_found',
        `${tenant.displayName} has not consented to the app.`,
      );
    }
    res.status(204).end();
  });

  router.put('/propagation', (req, res) => {
    const body = parseBody(propagationBody, req, res);
    if (!body) return;
    directory.consentPropagationMs = Math.round(body.seconds * 1000);
    res.json({ seconds: directory.consentPropagationMs / 1000 });
  });

  /** The resources the app registration requests (`requiredResourceAccess`), as the publisher edits it. */
  router.get('/app/required-resources', (_req, res) => {
    res.json({ value: directory.requiredResources() });
  });

  router.put('/app/required-resources', (req, res) => {
    const body = parseBody(requiredResourcesBody, req, res);
    if (!body) return;
    if (!directory.setRequiredResources(body.resourceAppIds)) {
      return sendProblem(
        res,
        400,
        'invalid_request',
        'Only resources of the seed registration can be requested.',
      );
    }
    res.json({ value: directory.requiredResources() });
  });

  router.post('/app/disable', (_req, res) => {
    directory.appDisabled = true;
    res.json({ appId: ctx.seed.app.clientId, disabled: true });
  });

  router.post('/app/enable', (_req, res) => {
    directory.appDisabled = false;
    res.json({ appId: ctx.seed.app.clientId, disabled: false });
  });

  router.get('/certificates', (_req, res) => {
    res.json({ value: directory.listCertificates().map((c) => describeCertificate(ctx, c)) });
  });

  router.post('/certificates', (req, res) => {
    const body = parseBody(certificateBody, req, res);
    if (!body) return;
    const appId = appIdOf(req, res, body.appId);
    if (!appId) return;
    try {
      res.status(201).json(describeCertificate(ctx, directory.registerCertificate(body.pem, appId)));
    } catch {
      sendProblem(res, 400, 'invalid_certificate', 'The PEM is not a valid X.509 certificate.');
    }
  });

  router.delete('/certificates/:thumbprint', (req, res) => {
    const appId = appIdOf(req, res, req.query.appId);
    if (!appId) return;
    if (!directory.unregisterCertificate(req.params.thumbprint, appId)) {
      return sendProblem(
        res,
        404,
        'certificate_not_found',
        `No certificate '${req.params.thumbprint}' on app '${appId}'.`,
      );
    }
    res.status(204).end();
  });

  router.post('/certificates/:thumbprint/expire', (req, res) => {
    const appId = appIdOf(req, res, req.query.appId);
    if (!appId) return;
    if (!directory.expireCertificate(req.params.thumbprint, appId)) {
      return sendProblem(
        res,
        404,
        'certificate_not_found',
        `No certificate '${req.params.thumbprint}' on app '${appId}'.`,
      );
    }
    res.json(describeCertificate(ctx, directory.findCertificate(req.params.thumbprint, appId)!));
  });

  return router;
}
