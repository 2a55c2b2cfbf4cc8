/**
 * The HTTP server: one Node process serves the tab's static files, the tab's JSON API, the
 * admin-consent pages and the bot endpoint.
 */
import express from 'express';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../../api/src/config';
import { createLogger, type Logger } from '../../api/src/logger';
import { openAppGraph, type AppGraph } from './composition';
import type { RecoveryOutcome } from '../../api/src/integrations/interrupted-verifications';
import { createApiRouter } from '../../api/src/http/routes';
import { problemHandler } from '../../api/src/http/problem';
import { createConsentRouter } from '../../api/src/http/consent-routes';
import { ConsentStateError } from '../../api/src/identity/errors';
import { RequestError } from '../../api/src/http/request-error';
import { packageRoot } from './package-root';
import { tabFiles } from './static-files';
import { noStore, securityHeaders } from './security-headers';
import { policyPagesRouter } from './pages/router';

export const TAB_DIST = path.join(packageRoot(), 'tab', 'dist');

/**
 * How long a client may take to send a request, and how long a connection lives: a client that
 * dribbles its headers or body is cut off long before Node's defaults (60 s, 300 s). A request's
 * answer (a verification streaming its steps) is not bounded by these.
 */
export interface HttpServerLimits {
  /** Until the request's headers are complete. */
  headersTimeoutMs: number;
  /** Until the whole request (headers and body) is received. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Requests on one connection before the server closes it. */
  maxRequestsPerSocket: number;
  /** How often Node checks the two request timeouts. */
  connectionsCheckingIntervalMs: number;
}

export const HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 10_000,
  maxRequestsPerSocket: 1_000,
  connectionsCheckingIntervalMs: 2_000,
};

export interface AppServer {
  readonly url: string;
  readonly graph: AppGraph;
  /** Integrations left `verifying` by an instance that stopped or crashed, resolved after start. */
  readonly recovered: Promise<RecoveryOutcome[]>;
  close(): Promise<void>;
}

/** What the tab needs before it can authenticate: which Teams hosts to trust. */
export interface TabPublicConfig {
  appId: string;
  teamsHostOrigins: string[];
}

export function createApp(graph: AppGraph): express.Express {
  const { config, log } = graph;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  // One line per request, under the correlation id problem bodies quote; the path only (queries
  // carry consent states and codes).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const correlationId = randomUUID();
    res.locals.correlationId = correlationId;
    res.set('x-correlation-id', correlationId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = req.originalUrl.split('?')[0];
      log.info(
        { method: req.method, path, status: res.statusCode, ms: Math.round(ms), correlationId },
        'request',
      );
    });
    next();
  });
  app.use(securityHeaders(config.teamsHostOrigins));
  app.use(['/api', '/auth'], noStore);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/tab/config.json', (_req, res) => {
    const body: TabPublicConfig = { appId: config.clientId, teamsHostOrigins: config.teamsHostOrigins };
    res.set('cache-control', 'no-store').json(body);
  });
  app.use(graph.bot.router);
  app.use(
    policyPagesRouter({
      appId: config.clientId,
      retention: config.retention,
      healthIntervalMs: config.healthIntervalMs,
      ...(config.publisherContact ? { publisherContact: config.publisherContact } : {}),
    }),
  );
  app.use(
    '/auth/consent',
    createConsentRouter({
      service: graph.service,
      consentUrlFor: (state) => graph.consentUrlFor(state),
      isInvalidState: (error) => error instanceof ConsentStateError,
    }),
  );
  app.use(
    '/api',
    createApiRouter({
      appId: config.clientId,
      publicUrl: config.publicUrl,
      service: graph.service,
      store: graph.store,
      validator: graph.validator,
      sealer: graph.sealer,
      log,
      checkNow: (tenantId) => graph.health.checkNow(tenantId),
      admins: graph.admins,
      rateLimits: config.rateLimits,
      now: graph.verification.now,
    }),
  );
  if (existsSync(TAB_DIST)) {
    app.use('/tab', tabFiles(TAB_DIST));
  } else {
    log.warn({ dir: TAB_DIST }, 'the tab is not built (npm run build:tab): /tab/ answers 503');
    app.use('/tab', (_req, _res, next) =>
      next(new RequestError('tab_not_built', 'The tab has not been built.')),
    );
  }
  app.use((_req, _res, next) => next(new RequestError('not_found', 'Not found.')));
  app.use(problemHandler(log));
  return app;
}

export async function startAppServer(
  config: AppConfig,
  options: { log?: Logger; now?: () => number; limits?: Partial<HttpServerLimits> } = {},
): Promise<AppServer> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const graph = await openAppGraph(config, log, options.now);
  const app = createApp(graph);
  const limits = { ...HTTP_SERVER_LIMITS, ...options.limits };
  const serverOptions: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
  };
  const server = config.tls
    ? https.createServer({ ...serverOptions, cert: config.tls.certPem, key: config.tls.keyPem }, app)
    : http.createServer(serverOptions, app);
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, () => resolve());
    });
    await graph.health.start();
    log.info(
      { owner: graph.health.owner, store: config.databaseUrl ? 'postgres' : 'sqlite' },
      'health checks started',
    );
  } catch (error) {
    server.close();
    await graph.close();
    throw error;
  }
  graph.bot.notifier.start();
  graph.retention.start();
  // In the background: each resumed verification takes as long as a verification does.
  const stopRecovery = new AbortController();
  const recovered = graph.recoverInterruptedVerifications(stopRecovery.signal).catch((error: unknown) => {
    log.error({ err: error }, 'recovering interrupted verifications failed');
    return [];
  });
  const { port } = server.address() as AddressInfo;
  const url = `${config.tls ? 'https' : 'http'}://localhost:${port}`;
  log.info({ url, publicUrl: config.publicUrl }, 'Exchange Connect listening');
  return {
    url,
    graph,
    recovered,
    close: async () => {
      stopRecovery.abort();
      await recovered;
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await graph.close();
    },
  };
}
