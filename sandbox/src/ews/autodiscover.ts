/**
 * POX Autodiscover of the on-premises organisations (`/autodiscover/autodiscover.xml`), each answering
 * for its own domains (the organisation is the one the host or the service account names): Outlook
 * request schema 2006 in, response schema 2006a out, with the redirects a client must follow.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import type { SandboxContext } from '../context';
import { authenticateBasic } from './auth';
import type { SeedTenant } from '../seed';
import { ewsTraffic } from './recorder';
import { childOf, el, parseXml, textEl } from './xml';
import { mailboxDisplayName } from './mailbox-access';

const REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

function xmlDocument(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>${el('Autodiscover', { xmlns: RESPONSE_NS }, inner)}`;
}

/** The POX error body; Exchange sends it with HTTP 200. */
function errorResponse(nowMs: number, code: number, message: string): string {
  const time = new Date(nowMs).toISOString().slice(11, 23) + '0000';
  const id = String(createHash('sha256').update(String(nowMs)).digest().readUInt32BE(0));
  return xmlDocument(
    el(
      'Response',
      {},
      el(
        'Error',
        { Time: time, Id: id },
        textEl('ErrorCode', code) + textEl('Message', message) + '<DebugData />',
      ),
    ),
  );
}

function outlookResponse(account: string): string {
  return xmlDocument(el('Response', { xmlns: OUTLOOK_NS }, account));
}

/**
 * Where the organisation publishes EWS: mail.<domain>, as a real Exchange Server's external URL
 * would be, on the sandbox Exchange Server's port (the app maps the name to 127.0.0.1 in development).
 */
function publishedExchangeOrigin(ctx: SandboxContext, domain: string): string {
  const origin = new URL(ctx.urls.exchangeServer);
  origin.hostname = `mail.${domain}`;
  return origin.origin;
}

function settingsResponse(ctx: SandboxContext, tenant: SeedTenant, address: string): string {
  const domain = address.split('@')[1] ?? '';
  const published = publishedExchangeOrigin(ctx, domain);
  const ewsUrl = `${published}/EWS/Exchange.asmx`;
  const host = new URL(published).host;
  const mailboxGuid = createHash('sha256').update(address).digest('hex');
  const guid = `${mailboxGuid.slice(0, 8)}-${mailboxGuid.slice(8, 12)}-${mailboxGuid.slice(12, 16)}-${mailboxGuid.slice(16, 20)}-${mailboxGuid.slice(20, 32)}`;
  const user =
    textEl('DisplayName', mailboxDisplayName(ctx, tenant, address)) +
    textEl(
      'LegacyDN',
      `/o=${tenant.displayName}/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${address.split('@')[0]}`,
    ) +
    textEl('AutoDiscoverSMTPAddress', address) +
    textEl('DeploymentId', tenant.id);
  const exch =
    textEl('Type', 'EXCH') +
    textEl('Server', `${guid}@${domain}`) +
    textEl(
      'ServerDN',
      `/o=${tenant.displayName}/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=${guid}@${domain}`,
    ) +
    textEl('ServerVersion', '73C0862C') +
    textEl('AuthPackage', 'Anonymous') +
    textEl('ASUrl', ewsUrl) +
    textEl('EwsUrl', ewsUrl) +
    textEl('EmwsUrl', ewsUrl) +
    textEl('OOFUrl', ewsUrl) +
    textEl('UMUrl', `${published}/EWS/UM2007Legacy.asmx`);
  const expr =
    textEl('Type', 'EXPR') +
    textEl('Server', host) +
    textEl('SSL', 'On') +
    textEl('AuthPackage', 'Basic') +
    textEl('ASUrl', ewsUrl) +
    textEl('EwsUrl', ewsUrl) +
    textEl('EmwsUrl', ewsUrl) +
    textEl('OOFUrl', ewsUrl);
  const account =
    textEl('AccountType', 'email') +
    textEl('Action', 'settings') +
    textEl('MicrosoftOnline', 'False') +
    el('Protocol', {}, exch) +
    el('Protocol', {}, expr);
  return outlookResponse(el('User', {}, user) + el('Account', {}, account));
}

/** EMailAddress of an Outlook 2006 request; undefined when the body is not one. */
function requestedAddress(xml: string): string | undefined {
  try {
    const root = parseXml(xml);
    const request = childOf(root, REQUEST_NS, 'Request');
    if (root.ns !== REQUEST_NS || !request) return undefined;
    return childOf(request, REQUEST_NS, 'EMailAddress')?.text.toLowerCase() ?? '';
  } catch {
    return undefined;
  }
}

export function createAutodiscoverRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();
  router.post(
    '/autodiscover/autodiscover.xml',
    express.text({ type: () => true, limit: '100kb' }),
    (req, res) => {
      const requestBody = typeof req.body === 'string' ? req.body : '';
      const send = (status: number, body: string) => {
        ewsTraffic(ctx).record({
          service: 'autodiscover',
          organisation: 'server',
          operation: 'Autodiscover',
          status,
          requestBody,
          responseBody: body,
        });
        res.status(status).type('text/xml; charset=utf-8').send(body);
      };
      const auth = authenticateBasic(ctx, req.headers);
      if (!auth.ok) {
        res
          .status(auth.rejection.status)
          .set(auth.rejection.headers)
          .type('text/html')
          .send(auth.rejection.body);
        return;
      }
      const address = requestedAddress(requestBody);
      if (address === undefined) {
        send(200, errorResponse(ctx.now(), 600, 'Invalid Request'));
        return;
      }
      const redirect = ctx.exchange.takeAutodiscoverRedirect(address);
      if (redirect?.kind === 'http') {
        res.redirect(302, redirect.target);
        return;
      }
      if (redirect) {
        const action = redirect.kind === 'addr' ? 'redirectAddr' : 'redirectUrl';
        const target =
          redirect.kind === 'addr'
            ? textEl('RedirectAddr', redirect.target)
            : textEl('RedirectUrl', redirect.target);
        send(
          200,
          outlookResponse(
            el('Account', {}, textEl('AccountType', 'email') + textEl('Action', action) + target),
          ),
        );
        return;
      }
      const { tenant } = auth.caller;
      const domains = tenant.exchange.kind === 'server' ? tenant.exchange.autodiscoverDomains : [];
      const domain = address.split('@')[1] ?? '';
      if (!domains.includes(domain) || !ctx.exchange.hasMailbox(tenant.id, address)) {
        send(200, errorResponse(ctx.now(), 500, "The email address can't be found."));
        return;
      }
      send(200, settingsResponse(ctx, tenant, address));
    },
  );
  return router;
}
