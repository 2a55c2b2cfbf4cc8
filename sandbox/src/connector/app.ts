/**
 * The sandbox Bot Framework connector origin: Teams' connector under `/teams/` (the serviceUrl
 * bots receive) and the channel's OpenID metadata and keys as login.botframework.com serves
 * them, so botbuilder validates what the sandbox channel posts exactly as it would in Teams.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { SandboxContext } from '../context';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, channelSigner, openIdConfiguration } from './channel-signer';
import { sendConnectorError } from './errors';
import { SERVICE_PATH_PREFIX } from './identities';
import { createConnectorRestRouter } from './rest';

/** Teams refuses bot messages over about 100 KB. */
const MAX_ACTIVITY_BYTES = '100kb';

export function createConnectorApp(ctx: SandboxContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get(OPENID_CONFIGURATION_PATH, (_req, res) => {
    res.json(openIdConfiguration(ctx));
  });
  app.get(JWKS_PATH, async (_req, res) => {
    res.json((await channelSigner(ctx)).jwks());
  });

  app.use(
    SERVICE_PATH_PREFIX,
    express.json({ limit: MAX_ACTIVITY_BYTES, type: () => true }),
    createConnectorRestRouter(ctx),
  );
  app.use(SERVICE_PATH_PREFIX, (_req, res) => {
    res.status(404).end();
  });
  app.use((error: { type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') return sendConnectorError(res, 'messageTooBig');
    if (error.type === 'entity.parse.failed') return sendConnectorError(res, 'badArgument');
    next(error);
  });
  return app;
}
