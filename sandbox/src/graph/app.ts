/**
 * The sandbox Microsoft Graph (graph.microsoft.com), v1.0: calendars and calendar views of Exchange
 * Online mailboxes, free/busy (getSchedule), Places and JSON batching, behind Graph's token check,
 * with Graph's error bodies, `request-id`/`client-request-id` headers and Outlook's concurrency limit.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { SandboxContext } from '../context';
import { authenticateGraph, graphChallenge } from './auth';
import { graphErrorBody, graphErrors, type GraphTrace } from './errors';
import { dispatch } from './router';
import { JSON_CONTENT_TYPE, type GraphResponse } from './wire';

function traceOf(ctx: SandboxContext, req: Request): GraphTrace {
  const requestId = randomUUID();
  const given = req.get('client-request-id');
  return { requestId, clientRequestId: given && given.length <= 200 ? given : requestId, nowMs: ctx.now() };
}

function send(ctx: SandboxContext, res: Response, trace: GraphTrace, answer: GraphResponse): void {
  if (answer.hang) return; // never answer; the sandbox's close() ends the connection
  res.status(answer.status).set({
    ...answer.headers,
    'request-id': trace.requestId,
    'client-request-id': trace.clientRequestId,
    ...(answer.status === 401 ? { 'WWW-Authenticate': graphChallenge(ctx) } : {}),
  });
  if (answer.raw === undefined && answer.body === undefined) {
    res.end();
    return;
  }
  // Written as is: express would rewrite Graph's content type (`…;odata.metadata=minimal;…`).
  res.set('Content-Type', answer.headers['Content-Type'] ?? JSON_CONTENT_TYPE);
  res.end(answer.raw ?? JSON.stringify(answer.body));
}

export function createGraphApp(ctx: SandboxContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json({ type: () => true, limit: '4mb' }));

  app.use('/v1.0', async (req, res) => {
    const trace = traceOf(ctx, req);
    const url = new URL(req.url, 'https://graph.invalid');
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k.toLowerCase(), v]] : [])),
    );
    const caller = await authenticateGraph(ctx, req.get('authorization'));
    const answer = await dispatch(
      ctx,
      caller,
      {
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        headers,
        ...(req.body !== undefined && req.method !== 'GET' ? { body: req.body as unknown } : {}),
      },
      trace,
    );
    send(ctx, res, trace, answer);
  });

  app.use((req, res) => {
    const trace = traceOf(ctx, req);
    const version = req.path.split('/')[1] ?? '';
    const error = graphErrors.invalidVersion(version);
    send(ctx, res, trace, { status: error.status, headers: {}, body: graphErrorBody(error, trace) });
  });

  // A body that is not JSON: Graph's BadRequest, in its error shape.
  const badJson: ErrorRequestHandler = (_error, req, res, _next) => {
    const trace = traceOf(ctx, req);
    const error = graphErrors.invalidJson();
    send(ctx, res, trace, { status: error.status, headers: {}, body: graphErrorBody(error, trace) });
  };
  app.use(badJson);
  return app;
}
