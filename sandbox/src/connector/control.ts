/**
 * `/_sandbox/connector/…`: act as Teams users towards the bot (install, remove, write, press
 * card buttons), read what the bot posted (the Teams host's chat pane polls `/activities`), point
 * the channel at another bot endpoint, and forget the rate-limit windows so far (`DELETE
 * /rate-limits`: for tests whose clock runs ahead of the sandbox's, between scenarios).
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { parseBody, sendProblem } from '../home/problem';
import { ChannelError, install, sendCardAction, sendUserMessage, uninstall, type Delivery } from './channel';
import { serviceUrl } from './identities';
import { connectorState } from './state';

const installSchema = z.object({
  upn: z.string().email(),
  scope: z.enum(['personal', 'team']),
  teamName: z.string().min(1).max(256).optional(),
});
const uninstallSchema = z.object({ conversationId: z.string().min(1) });
const messageSchema = z.object({
  conversationId: z.string().min(1),
  upn: z.string().email(),
  text: z.string().min(1).max(28_000),
});
const cardActionSchema = z.object({
  conversationId: z.string().min(1),
  upn: z.string().email(),
  kind: z.enum(['execute', 'submit']),
  data: z.record(z.string(), z.unknown()),
  verb: z.string().min(1).optional(),
  replyToId: z.string().min(1).optional(),
});
const botEndpointSchema = z.object({
  url: z
    .string()
    .url()
    .refine((u) => /^https?:/.test(u), 'http(s) URL'),
});
const sinceSchema = z.coerce.number().int().nonnegative().catch(0);

/** The bot's answer to the last activity decides the status the caller sees first. */
function answer(res: Response, delivery: Delivery) {
  const last = delivery.deliveries[delivery.deliveries.length - 1];
  res.json({ ...delivery, botStatus: last?.status ?? 0, botResponse: last?.body });
}

async function run(res: Response, action: () => Promise<Delivery>) {
  try {
    answer(res, await action());
  } catch (error) {
    if (error instanceof ChannelError) return sendProblem(res, error.status, error.code, error.message);
    throw error;
  }
}

export function createConnectorControlRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  const state = connectorState(ctx);

  router.post('/install', async (req, res) => {
    const body = parseBody(installSchema, req, res);
    if (body) await run(res, () => install(ctx, body));
  });
  router.post('/uninstall', async (req, res) => {
    const body = parseBody(uninstallSchema, req, res);
    if (body) await run(res, () => uninstall(ctx, body));
  });
  router.post('/messages', async (req, res) => {
    const body = parseBody(messageSchema, req, res);
    if (body) await run(res, () => sendUserMessage(ctx, body));
  });
  router.post('/card-actions', async (req, res) => {
    const body = parseBody(cardActionSchema, req, res);
    if (body) await run(res, () => sendCardAction(ctx, body));
  });

  router.get('/activities', (req, res) => {
    res.json({ value: state.feedSince(sinceSchema.parse(req.query.since)) });
  });
  router.get('/conversations', (_req, res) => {
    res.json({
      value: [...state.conversations.values()].map((c) => ({
        id: c.id,
        type: c.type,
        tenantId: c.tenantId,
        team: c.team,
        botInRoster: c.botInRoster,
        members: c.members.map((m) => m.upn),
        serviceUrl: serviceUrl(ctx),
      })),
    });
  });
  router.delete('/rate-limits', (_req, res) => {
    state.limiter.clear();
    res.status(204).end();
  });
  router.get('/bot-endpoint', (_req, res) => {
    res.json({ url: state.endpoint() });
  });
  router.put('/bot-endpoint', (req, res) => {
    const body = parseBody(botEndpointSchema, req, res);
    if (!body) return;
    state.botEndpoint = body.url;
    res.json({ url: state.endpoint() });
  });
  return router;
}
