/**
 * Exchange Web Services on two origins: Exchange Online for Contoso (Bearer, app-only with
 * impersonation) and Exchange Server for Fabrikam (Basic service account, plus Autodiscover).
 */
import express from 'express';
import type { SandboxContext } from '../context';
import { sleep } from '../faults';
import { authenticateBasic, authenticateOnline, organisationTenant, type Organisation } from './auth';
import { createAutodiscoverRouter } from './autodiscover';
import { findItem } from './find-item';
import { getFolder } from './folders';
import { getRoomLists, getRooms, resolveNames } from './directory-operations';
import { checkImpersonation, type OperationContext } from './mailbox-access';
import { ewsTraffic } from './recorder';
import { readRequest } from './request';
import { fault, faultEnvelope, responseEnvelope, type EwsFault, type ServerVersionInfo } from './soap';
import type { XmlElement } from './xml';

const OPERATIONS: Record<string, (op: OperationContext, body: XmlElement) => string> = {
  GetFolder: getFolder,
  FindItem: findItem,
  ResolveNames: resolveNames,
  GetRoomLists: getRoomLists,
  GetRooms: getRooms,
};

/** Exchange Online reports a 15.20 build and the newest schema version it serves. */
const EXCHANGE_ONLINE_VERSION: ServerVersionInfo = {
  major: 15,
  minor: 20,
  build: 8293,
  revision: 25,
  version: 'V2018_01_08',
};

function serverVersion(ctx: SandboxContext, organisation: Organisation): ServerVersionInfo {
  const tenant = organisationTenant(ctx, organisation);
  if (tenant.exchange.kind === 'online') return EXCHANGE_ONLINE_VERSION;
  const { major, minor, build, revision } = tenant.exchange.serverVersion;
  return { major, minor, build, revision, version: tenant.exchange.version };
}

export function createEwsApp(ctx: SandboxContext, organisation: Organisation): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (organisation === 'server') app.use(createAutodiscoverRouter(ctx));

  app.post('/EWS/Exchange.asmx', express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    const requestBody = typeof req.body === 'string' ? req.body : '';
    let operation = 'Unknown';
    const send = (status: number, body: string) => {
      ewsTraffic(ctx).record({
        service: 'ews',
        organisation,
        operation,
        status,
        requestBody,
        responseBody: body,
      });
      res.status(status).type('text/xml; charset=utf-8').send(body);
    };
    const sendFault = (f: EwsFault) => send(500, faultEnvelope(f));

    const auth =
      organisation === 'online'
        ? await authenticateOnline(ctx, req.headers)
        : authenticateBasic(ctx, req.headers);
    if (!auth.ok) {
      const { status, headers, body, contentType } = auth.rejection;
      res.status(status).set(headers);
      if (contentType) res.type(contentType);
      res.send(body);
      return;
    }

    const request = readRequest(requestBody, organisation);
    if ('fault' in request) {
      sendFault(request.fault);
      return;
    }
    operation = request.operation;

    const injected = ctx.faults.take('ews', operation);
    if (injected.latencyMs > 0) await sleep(injected.latencyMs);
    switch (injected.failure?.kind) {
      case 'throttle':
        // Exchange Online's throttling answer: an HTTP 500 fault carrying the back-off to honour.
        sendFault(fault('ErrorServerBusy', { BackOffMilliseconds: String(injected.failure.ms) }));
        return;
      case 'http5xx':
        res.status(injected.failure.status).type('text/plain').send('Service Unavailable');
        return;
      case 'timeout':
        return; // never answer; the sandbox's close() ends the connection
      case 'malformed':
        send(
          200,
          '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolderResp',
        );
        return;
      default:
        break;
    }

    const handler = OPERATIONS[operation];
    if (!handler) {
      sendFault({
        code: 'ErrorInvalidOperation',
        message: `The operation '${operation}' is not supported by this Exchange server.`,
      });
      return;
    }
    const impersonation = checkImpersonation(ctx, auth.caller, request.impersonatedAddress);
    if ('fault' in impersonation) {
      sendFault(impersonation.fault);
      return;
    }
    const op: OperationContext = {
      ctx,
      tenant: auth.caller.tenant,
      caller: auth.caller,
      ...(impersonation.actingMailbox ? { actingMailbox: impersonation.actingMailbox } : {}),
    };
    send(200, responseEnvelope(serverVersion(ctx, organisation), handler(op, request.body)));
  });
  return app;
}
