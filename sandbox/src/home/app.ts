/**
 * The sandbox "home" origin: the Teams host page that embeds the tab, and the `/_sandbox`
 * control API that tests, benchmarks and the demo use to break and repair the tenant.
 */
import express from 'express';
import type { SandboxContext } from '../context';
import { faultRuleSchema } from '../faults';
import { createEntraControlRouter } from '../entra/control';
import { createExchangeControlRouter } from '../ews/control';
import { createConnectorControlRouter } from '../connector/control';
import { createRbacControlRouter } from '../rbac/control';
import { graphState } from '../graph/recorder';
import { ewsTraffic } from '../ews/recorder';
import { createTeamsHostRouter } from './teams-host';
import { sendProblem, parseBody } from './problem';

export function createHomeApp(ctx: SandboxContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  app.get('/_sandbox', (_req, res) => {
    res.json({ urls: ctx.urls, appBaseUrl: ctx.appBaseUrl, faults: ctx.faults.list() });
  });
  app.post('/_sandbox/faults', (req, res) => {
    const rule = parseBody(faultRuleSchema, req, res);
    if (rule) res.status(201).json(ctx.faults.add(rule));
  });
  app.get('/_sandbox/faults', (_req, res) => {
    res.json({ value: ctx.faults.list() });
  });
  app.delete('/_sandbox/faults', (_req, res) => {
    ctx.faults.clear();
    res.status(204).end();
  });
  /** Ends every injected latency now (requests held in flight answer at once). */
  app.post('/_sandbox/faults/release', (_req, res) => {
    res.json({ released: ctx.faults.releaseDelays() });
  });
  app.get('/_sandbox/graph/traffic', (_req, res) => {
    res.json({ value: graphState(ctx).traffic.list() });
  });
  app.delete('/_sandbox/graph/traffic', (_req, res) => {
    graphState(ctx).traffic.clear();
    res.status(204).end();
  });
  /** What EWS and Autodiscover were asked and answered: operation, status, X-AnchorMailbox, tenant. */
  app.get('/_sandbox/ews/traffic', (_req, res) => {
    res.json({
      value: ewsTraffic(ctx)
        .list()
        .map(({ requestBody: _request, responseBody: _response, ...entry }) => entry),
    });
  });
  app.delete('/_sandbox/ews/traffic', (_req, res) => {
    ewsTraffic(ctx).clear();
    res.status(204).end();
  });
  app.use('/_sandbox/exchange/rbac', createRbacControlRouter(ctx));
  app.use('/_sandbox/entra', createEntraControlRouter(ctx));
  app.use('/_sandbox/exchange', createExchangeControlRouter(ctx));
  app.use('/_sandbox/connector', createConnectorControlRouter(ctx));
  app.use('/_sandbox', (_req, res) =>
    sendProblem(res, 404, 'not_found', 'No such sandbox control endpoint.'),
  );
  app.use(createTeamsHostRouter(ctx));
  return app;
}
