/**
 * `/_sandbox/entra/…`: break and repair the sandbox Entra ID on purpose — grant or revoke consent,
 * set the consent-propagation delay, disable the app, register, remove or expire certificates.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import type { RegisteredCertificate } from '../directory';
import { parseBody, sendProblem } from '../home/problem';

const consentBody = z.object({
  tenant: z.string().min(1),
  /** UPN or object id of the granting user; defaults to the tenant's first Global Administrator. */
  user: z.string().min(1).optional(),
});
const propagationBody = z.object({ seconds: z.number().nonnegative() });
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

  const consentView = (tenantId: string) => {
    const grant = directory.consent(tenantId);
    return {
      tenantId,
      state: directory.consentState(tenantId),
      ...(grant
        ? {
            grantedBy: grant.grantedBy,
            scope: grant.scope,
            grantedAt: new Date(grant.grantedAtMs).toISOString(),
          }
        : {}),
    };
  };

  /** The app registration a request names (`appId` in body or query), our app by default. */
  function appIdOf(req: Request, res: Response, appId: unknown): string | undefined {
    const id = typeof appId === 'string' && appId ? appId : ctx.seed.app.clientId;
    if (directory.isRegisteredApp(id)) return id;
    sendProblem(res, 404, 'app_not_found', `No app registration '${id}' in the sandbox.`);
    return undefined;
  }

  router.post('/consent', (req, res) => {
    const body = parseBody(consentBody, req, res);
    if (!body) return;
    const tenant = directory.findTenant(body.tenant);
    if (!tenant) return sendProblem(res, 404, 'tenant_not_found', `No sandbox tenant '${body.tenant}'.`);
    const key = body.user?.toLowerCase();
    const user = key
      ? tenant.users.find((u) => u.upn === key || u.id === key)
      : tenant.users.find((u) => directory.isGlobalAdmin(u));
    if (!user)
      return sendProblem(
        res,
        404,
        'user_not_found',
        `No user '${body.user ?? 'Global Administrator'}' in ${tenant.displayName}.`,
      );
    const exchange = ctx.seed.app.requiredResourceAccess[0]!;
    directory.grantConsent(tenant.id, user.id, `${exchange.resource}/.default`);
    res.status(201).json(consentView(tenant.id));
  });

  router.get('/consent/:tenant', (req, res) => {
    const tenant = directory.findTenant(req.params.tenant);
    if (!tenant)
      return sendProblem(res, 404, 'tenant_not_found', `No sandbox tenant '${req.params.tenant}'.`);
    res.json(consentView(tenant.id));
  });

  router.delete('/consent/:tenant', (req, res) => {
    const tenant = directory.findTenant(req.params.tenant);
    if (!tenant)
      return sendProblem(res, 404, 'tenant_not_found', `No sandbox tenant '${req.params.tenant}'.`);
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
