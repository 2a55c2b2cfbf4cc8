/**
 * The sandbox Teams host: the page that embeds the tab and answers the teams-js host protocol
 * (in the browser, `teams-host/assets/protocol.js`), plus the one server call the host needs:
 * the signed-in user's Teams SSO token, which Teams itself obtains from Entra ID.
 */
import { ensurePersonalInstall } from '../connector/channel';
import express from 'express';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { issueSsoToken } from '../entra/sso';
import { sendProblem, parseBody } from './problem';
import { buildHostConfig, hostQuerySchema } from './teams-host/host-config';
import { ASSET_PREFIX, renderHostPage } from './teams-host/page';

const ASSETS_DIR = path.join(__dirname, 'teams-host', 'assets');

const ssoTokenRequestSchema = z.object({ upn: z.string().email() });

export function createTeamsHostRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();

  router.use(ASSET_PREFIX, express.static(ASSETS_DIR, { index: false }), (_req, res) =>
    sendProblem(res, 404, 'not_found', 'No such Teams host asset.'),
  );

  router.post('/_host/sso-token', async (req, res) => {
    const body = parseBody(ssoTokenRequestSchema, req, res);
    if (!body) return;
    if (!ctx.directory.findUser(body.upn)) {
      sendProblem(res, 404, 'user_not_found', `No sandbox user '${body.upn}'.`);
      return;
    }
    res.set('cache-control', 'no-store').json({ token: await issueSsoToken(ctx, body.upn) });
  });

  router.get('/', (req, res) => {
    const query = hostQuerySchema.safeParse(req.query);
    if (!query.success) {
      sendProblem(res, 400, 'invalid_request', 'The host page query is not valid.', {
        issues: query.error.issues,
      });
      return;
    }
    const config = buildHostConfig(ctx, query.data);
    if (!config) {
      sendProblem(res, 404, 'user_not_found', `No sandbox user '${query.data.user}'.`);
      return;
    }
    res.set('cache-control', 'no-store').type('html').send(renderHostPage(config));
    // As in Teams: opening the app installs its bot for the user (the chat pane then shows alerts).
    ensurePersonalInstall(ctx, query.data.user).catch(() => undefined);
  });

  return router;
}
