/**
 * Exchange Web Services on two origins: Exchange Online for every cloud organisation (Bearer,
 * app-only with impersonation and X-AnchorMailbox) and Exchange Server for the on-premises ones
 * (Basic service account, plus Autodiscover).
 */
import express from 'express';
import type { SandboxContext } from '../context';
import type { SeedTenant } from '../seed';
import { authenticateBasic, authenticateOnline, policyRejection, type Organisation } from './auth';
import { createAutodiscoverRouter } from './autodiscover';
import { findFolder } from './find-folder';
import { findItem } from './find-item';
import { getFolder } from './folders';
import { getRoomLists, getRooms, resolveNames } from './directory-operations';
import {
  checkAnchorMailbox,
  checkImpersonation,
  checkMailboxEws,
  type OperationContext,
} from './mailbox-access';
import { ewsTraffic } from './recorder';
import { readRequest } from './request';
import { innerServerBusyResponse } from './server-busy';
import { fault, faultEnvelope, responseEnvelope, type EwsFault, type ServerVersionInfo } from './soap';
import type { XmlElement } from './xml';

const OPERATIONS: Record<string, (op: OperationContext, body: XmlElement) => string> = {
  GetFolder: getFolder,
  FindFolder: findFolder,
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

function serverVersion(tenant: SeedTenant): ServerVersionInfo {
  if (tenant.exchange.kind === 'online') return EXCHANGE_ONLINE_VERSION;
  const { major, minor, build, revision } = tenant.exchange.serverVersion;
  return { major, minor, build, revision, version: tenant.exchange.version };
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function createEwsApp(ctx: SandboxContext, organisation: Organisation): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (organisation === 'server') app.use(createAutodiscoverRouter(ctx));

  app.post('/EWS/Exchange.asmx', express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    const requestBody = typeof req.body === 'string' ? req.body : '';
    const anchorMailbox = headerText(req.headers['x-anchormailbox']);
    let operation = 'Unknown';
    const answered: { tenantId?: string } = {};
    const record = (status: number, body: string) =>
      ewsTraffic(ctx).record({
        service: 'ews',
        organisation,
        operation,
        status,
        requestBody,
        responseBody: body,
        ...(anchorMailbox !== undefined ? { anchorMailbox } : {}),
        ...(answered.tenantId ? { tenantId: answered.tenantId } : {}),
      });
    const send = (status: number, body: string) => {
      record(status, body);
      res.status(status).type('text/xml; charset=utf-8').send(body);
    };
    const sendFault = (f: EwsFault) => send(500, faultEnvelope(f));
    const reject = (rejection: {
      status: number;
      headers: Record<string, string | string[]>;
      body: string;
      contentType?: string;
    }) => {
      record(rejection.status, rejection.body);
      res.status(rejection.status).set(rejection.headers);
      if (rejection.contentType) res.type(rejection.contentType);
      res.send(rejection.body);
    };

    const auth =
      organisation === 'online'
        ? await authenticateOnline(ctx, req.headers)
        : authenticateBasic(ctx, req.headers);
    if (!auth.ok) {
      reject(auth.rejection);
      return;
    }
    const { caller } = auth;
    answered.tenantId = caller.tenant.id;

    const request = readRequest(requestBody, organisation);
    if ('fault' in request) {
      sendFault(request.fault);
      return;
    }
    operation = request.operation;

    const anchorFault = checkAnchorMailbox(organisation, caller, request.impersonatedAddress, anchorMailbox);
    if (anchorFault) {
      sendFault(anchorFault);
      return;
    }
    const mailboxBlock = organisation === 'online' && checkMailboxEws(ctx, request.impersonatedAddress);
    if (mailboxBlock) {
      reject(policyRejection(mailboxBlock));
      return;
    }

    const injected = ctx.faults.take('ews', operation);
    await ctx.faults.delay(injected.latencyMs);
    switch (injected.failure?.kind) {
      case 'throttle':
        // Exchange Online's throttling answer: an HTTP 500 fault carrying the back-off to honour.
        sendFault(fault('ErrorServerBusy', { BackOffMilliseconds: String(injected.failure.ms) }));
        return;
      case 'innerServerBusy':
        // Its other form: HTTP 200, each response message an ErrorInternalServerError naming ErrorServerBusy.
        send(
          200,
          responseEnvelope(
            serverVersion(caller.tenant),
            innerServerBusyResponse(operation, request.body, injected.failure.ms),
          ),
        );
        return;
      case 'http5xx':
        res.status(injected.failure.status).type('text/plain').send('Service Unavailable');
        record(injected.failure.status, '');
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
    const impersonation = checkImpersonation(ctx, caller, request.impersonatedAddress);
    if ('fault' in impersonation) {
      sendFault(impersonation.fault);
      return;
    }
    const op: OperationContext = {
      ctx,
      tenant: caller.tenant,
      caller,
      ...(impersonation.actingMailbox ? { actingMailbox: impersonation.actingMailbox } : {}),
      ...(injected.failure?.kind === 'omitProperties'
        ? { omitted: new Set(injected.failure.properties) }
        : {}),
    };
    send(200, responseEnvelope(serverVersion(caller.tenant), handler(op, request.body)));
  });
  return app;
}
