/**
 * `/_sandbox/exchange/rbac/…`: RBAC for Applications in an Exchange Online organisation, as the
 * admin's PowerShell does it — New-ServicePrincipal, New-ManagementScope,
 * New-ManagementRoleAssignment (and their Remove-), Test-ServicePrincipalAuthorization — plus the
 * sandbox's propagation delay.
 */
import express from 'express';
import type { Response } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { servicePrincipalId } from '../entra/tenants';
import { parseBody, sendProblem } from '../home/problem';
import { RbacError, type ManagementScope, type RoleAssignment } from './rbac-state';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const servicePrincipalBody = z.object({
  appId: guid,
  /** The Enterprise application's object id; defaults to the service principal consent created. */
  objectId: guid.optional(),
  displayName: z.string().min(1).optional(),
});
const scopeBody = z.object({ name: z.string().min(1), recipientRestrictionFilter: z.string().min(1) });
const assignmentBody = z.object({
  app: guid,
  role: z.string().min(1),
  customResourceScope: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
});
const propagationBody = z.object({ seconds: z.number().nonnegative() });

export function createRbacControlRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const { rbac } = ctx.exchange;

  /** The Exchange Online organisation a route names (RBAC for Applications exists only there). */
  function tenantOf(res: Response, segment: string) {
    const tenant = ctx.index.tenant(segment);
    if (tenant?.exchange.kind === 'online') return tenant;
    sendProblem(res, 404, 'not_found', `Exchange Online organisation ${segment} does not exist.`);
    return undefined;
  }

  /** Runs an Exchange cmdlet; its RbacError becomes problem+json with the cmdlet's message. */
  function cmdlet(res: Response, run: () => void) {
    try {
      run();
    } catch (error) {
      if (!(error instanceof RbacError)) throw error;
      sendProblem(res, error.status, error.code, error.message);
    }
  }

  const scopeView = (s: ManagementScope) => ({
    name: s.name,
    recipientRestrictionFilter: s.recipientRestrictionFilter,
    createdAt: new Date(s.createdAtMs).toISOString(),
  });
  const assignmentView = (a: RoleAssignment) => ({
    name: a.name,
    role: a.role,
    app: a.app,
    customResourceScope: a.customResourceScope ?? null,
    createdAt: new Date(a.createdAtMs).toISOString(),
    effectiveAt: new Date(rbac.effectiveAtMs(a)).toISOString(),
    effective: rbac.isEffective(a),
  });

  router.put('/propagation', (req, res) => {
    const body = parseBody(propagationBody, req, res);
    if (!body) return;
    rbac.propagationMs = Math.round(body.seconds * 1000);
    res.json({ seconds: rbac.propagationMs / 1000 });
  });

  router.get('/:tenant/service-principals', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant) res.json({ value: rbac.servicePrincipals(tenant.id) });
  });
  router.post('/:tenant/service-principals', (req, res) => {
    const body = parseBody(servicePrincipalBody, req, res);
    const tenant = body && tenantOf(res, req.params.tenant);
    if (!body || !tenant) return;
    cmdlet(res, () => {
      const sp = rbac.newServicePrincipal(tenant.id, {
        appId: body.appId,
        objectId: body.objectId ?? servicePrincipalId(tenant.id, body.appId.toLowerCase()),
        ...(body.displayName ? { displayName: body.displayName } : {}),
      });
      res.status(201).json(sp);
    });
  });
  router.delete('/:tenant/service-principals/:appId', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant)
      cmdlet(res, () => {
        rbac.removeServicePrincipal(tenant.id, req.params.appId);
        res.status(204).end();
      });
  });

  router.get('/:tenant/scopes', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant) res.json({ value: rbac.scopes(tenant.id).map(scopeView) });
  });
  router.post('/:tenant/scopes', (req, res) => {
    const body = parseBody(scopeBody, req, res);
    const tenant = body && tenantOf(res, req.params.tenant);
    if (!body || !tenant) return;
    cmdlet(res, () =>
      res
        .status(201)
        .json(scopeView(rbac.newManagementScope(tenant.id, body.name, body.recipientRestrictionFilter))),
    );
  });
  router.delete('/:tenant/scopes/:name', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant)
      cmdlet(res, () => {
        rbac.removeManagementScope(tenant.id, req.params.name);
        res.status(204).end();
      });
  });

  router.get('/:tenant/role-assignments', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant) res.json({ value: rbac.assignments(tenant.id).map(assignmentView) });
  });
  router.post('/:tenant/role-assignments', (req, res) => {
    const body = parseBody(assignmentBody, req, res);
    const tenant = body && tenantOf(res, req.params.tenant);
    if (!body || !tenant) return;
    cmdlet(res, () => res.status(201).json(assignmentView(rbac.newRoleAssignment(tenant.id, body))));
  });
  router.delete('/:tenant/role-assignments/:name', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (tenant)
      cmdlet(res, () => {
        rbac.removeRoleAssignment(tenant.id, req.params.name);
        res.status(204).end();
      });
  });

  /** Test-ServicePrincipalAuthorization -Identity {app} -Resource {mailbox}. */
  router.get('/:tenant/authorization', (req, res) => {
    const tenant = tenantOf(res, req.params.tenant);
    if (!tenant) return;
    const app = typeof req.query.app === 'string' ? req.query.app : '';
    const resource = typeof req.query.resource === 'string' ? req.query.resource : '';
    const recipient = ctx.exchange.recipient(tenant.id, resource);
    if (!recipient) return sendProblem(res, 404, 'not_found', `The mailbox '${resource}' couldn't be found.`);
    cmdlet(res, () => res.json({ value: rbac.testAuthorization(tenant.id, app, recipient) }));
  });

  return router;
}
