/** `/_sandbox/exchange/…`: break and repair both Exchange organisations from tests and the demo. */
import express from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { parseBody, sendProblem } from '../home/problem';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

const passwordSchema = z.object({ password: z.string().min(1) });
const impersonationSchema = z.object({ granted: z.boolean() });
const ewsSchema = z.object({
  enabled: z.boolean().nullable(),
  allowedAppIds: z.array(guid),
  /** Optional: `-EwsApplicationAccessPolicy` and its user-agent lists; kept as they are when absent. */
  applicationAccessPolicy: z.enum(['EnforceAllowList', 'EnforceBlockList']).nullable().optional(),
  allowList: z.array(z.string().min(1)).optional(),
  blockList: z.array(z.string().min(1)).optional(),
});
const mailboxEwsSchema = z.object({ enabled: z.boolean().nullable() });
const accessPolicySchema = z.object({ mailboxes: z.array(z.string().email()).nullable() });
const autodiscoverSchema = z.object({
  redirect: z
    .object({
      kind: z.enum(['http', 'addr', 'url']),
      target: z.string().min(1),
      address: z.string().email().optional(),
      count: z.number().int().positive().optional(),
    })
    .refine((r) => r.kind === 'addr' || /^https:\/\//i.test(r.target), {
      message: 'http and url redirects need an https URL',
      path: ['target'],
    })
    .refine((r) => r.kind !== 'addr' || z.string().email().safeParse(r.target).success, {
      message: 'addr redirects need an email address',
      path: ['target'],
    })
    .nullable(),
});

export function createExchangeControlRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const notFound = (res: express.Response, what: string) =>
    sendProblem(res, 404, 'not_found', `${what} does not exist.`);
  const tenantOf = (id: string) => ctx.index.tenant(id);

  router.delete('/mailboxes/:address', (req, res) => {
    if (ctx.exchange.deleteMailbox(req.params.address)) res.status(204).end();
    else notFound(res, `Mailbox ${req.params.address}`);
  });
  router.post('/mailboxes/:address/restore', (req, res) => {
    if (ctx.exchange.restoreMailbox(req.params.address)) res.status(204).end();
    else notFound(res, `Seeded mailbox ${req.params.address}`);
  });
  /** `Set-CASMailbox <mailbox> -EwsEnabled`: false blocks EWS for that mailbox (X-EWS-Policy-Reason). */
  router.put('/mailboxes/:address/ews', (req, res) => {
    const body = parseBody(mailboxEwsSchema, req, res);
    if (!body) return;
    if (ctx.exchange.setMailboxEwsEnabled(req.params.address, body.enabled)) res.status(204).end();
    else notFound(res, `Seeded mailbox ${req.params.address}`);
  });
  router.get('/mailboxes/:address/ews', (req, res) => {
    if (!ctx.index.seededMailboxTenant(req.params.address)) {
      notFound(res, `Seeded mailbox ${req.params.address}`);
      return;
    }
    res.json({
      address: req.params.address.toLowerCase(),
      enabled: ctx.exchange.mailboxEwsEnabled(req.params.address),
    });
  });
  router.get('/ews/:tenant', (req, res) => {
    const tenant = tenantOf(req.params.tenant);
    const config = tenant && ctx.exchange.ewsConfig(tenant.id);
    if (config) res.json(config);
    else notFound(res, `Exchange Online organisation ${req.params.tenant}`);
  });
  router.put('/service-accounts/:upn/password', (req, res) => {
    const body = parseBody(passwordSchema, req, res);
    if (!body) return;
    if (ctx.exchange.setServiceAccountPassword(req.params.upn, body.password)) res.status(204).end();
    else notFound(res, `Service account ${req.params.upn}`);
  });
  router.put('/service-accounts/:upn/impersonation', (req, res) => {
    const body = parseBody(impersonationSchema, req, res);
    if (!body) return;
    if (ctx.exchange.setImpersonation(req.params.upn, body.granted)) res.status(204).end();
    else notFound(res, `Service account ${req.params.upn}`);
  });
  router.put('/ews/:tenant', (req, res) => {
    const body = parseBody(ewsSchema, req, res);
    if (!body) return;
    const tenant = tenantOf(req.params.tenant);
    const { applicationAccessPolicy, allowList, blockList, ...required } = body;
    const config = {
      ...required,
      ...(applicationAccessPolicy !== undefined ? { applicationAccessPolicy } : {}),
      ...(allowList ? { allowList } : {}),
      ...(blockList ? { blockList } : {}),
    };
    if (tenant && ctx.exchange.setEwsConfig(tenant.id, config)) res.status(204).end();
    else notFound(res, `Exchange Online organisation ${req.params.tenant}`);
  });
  router.put('/access-policy/:tenant', (req, res) => {
    const body = parseBody(accessPolicySchema, req, res);
    if (!body) return;
    const tenant = tenantOf(req.params.tenant);
    if (!tenant || tenant.exchange.kind !== 'online') {
      notFound(res, `Exchange Online organisation ${req.params.tenant}`);
      return;
    }
    ctx.exchange.setAccessPolicy(tenant.id, body.mailboxes);
    res.status(204).end();
  });
  router.put('/autodiscover', (req, res) => {
    const body = parseBody(autodiscoverSchema, req, res);
    if (!body) return;
    const r = body.redirect;
    ctx.exchange.setAutodiscoverRedirect(
      r
        ? {
            kind: r.kind,
            target: r.target,
            ...(r.address ? { address: r.address } : {}),
            ...(r.count ? { remaining: r.count } : {}),
          }
        : null,
    );
    res.status(204).end();
  });
  return router;
}
