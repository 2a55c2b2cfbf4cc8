/**
 * The sandbox Entra ID (login.microsoftonline.com): discovery and keys, the token endpoint for
 * certificate client credentials, and the admin-consent pages.
 */
import express from 'express';
import type { SandboxContext } from '../context';
import { createDiscoveryRouter } from './discovery';
import { createTokenRouter } from './token';
import { createAdminConsentRouter } from './admin-consent';

export function createEntraApp(ctx: SandboxContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createDiscoveryRouter(ctx));
  app.use(createTokenRouter(ctx));
  app.use(createAdminConsentRouter(ctx));
  return app;
}
