/**
 * The admin-consent round trip in the Teams auth popup: our start page (so `authenticate` opens a
 * page of our own origin) redirects to Entra; Entra's redirect lands on the callback, which hands
 * the outcome to the tab's consent-end page.
 */
import express, { type Request, type Response } from 'express';
import type { IntegrationService } from '../integrations/service';
import type { ConsentCompletion } from '../identity/port';
import type { ConsentPopupResult } from './contract';
import { RequestError } from './request-error';

export interface ConsentRouterDeps {
  service: IntegrationService;
  authorityHost: string;
  clientId: string;
  /** Recognises a missing, unknown, used or expired `state` (400, nothing stored). */
  isInvalidState(error: unknown): boolean;
}

/** Only Entra's admin-consent endpoint for our own app: the start page is no open redirect. */
export function isOurConsentUrl(candidate: string, authorityHost: string, clientId: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  return (
    url.origin === new URL(authorityHost).origin &&
    /^\/[^/]+\/v2\.0\/adminconsent$/.test(url.pathname) &&
    url.searchParams.get('client_id') === clientId
  );
}

function queryStrings(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query))
    out[key] = typeof value === 'string' ? value : undefined;
  return out;
}

/** What the popup hands back to the tab: the outcome, and the diagnostic when there is one. */
export function consentPopupResult(completion: ConsentCompletion): ConsentPopupResult {
  const d = completion.diagnostic;
  return {
    outcome: completion.outcome,
    ...(d ? { code: d.code, message: d.message, remediation: d.remediation } : {}),
  };
}

const encodeResult = (result: ConsentPopupResult) =>
  Buffer.from(JSON.stringify(result)).toString('base64url');

export function createConsentRouter(deps: ConsentRouterDeps): express.Router {
  const router = express.Router();

  router.get('/start', (req: Request, res: Response, next) => {
    const target = typeof req.query.u === 'string' ? req.query.u : '';
    if (!isOurConsentUrl(target, deps.authorityHost, deps.clientId)) {
      next(new RequestError('invalid_consent_url', 'This is not an admin-consent link of Exchange Connect.'));
      return;
    }
    res.redirect(302, target);
  });

  router.get('/callback', (req: Request, res: Response, next) => {
    deps.service.completeModernConsent(queryStrings(req)).then(
      (completion) => {
        res.redirect(302, `/tab/consent-end.html#result=${encodeResult(consentPopupResult(completion))}`);
      },
      (error: unknown) => {
        if (!deps.isInvalidState(error)) {
          next(error);
          return;
        }
        res
          .status(400)
          .type('html')
          .send(
            '<!doctype html><html lang="en"><title>Consent link not valid</title><body style="font-family:Segoe UI,sans-serif;margin:2rem">' +
              '<h1>This consent link is not valid</h1><p>It was already used, has expired, or did not come from Exchange Connect. ' +
              'Nothing was changed. Close this window and choose "Grant admin consent" again in Teams.</p></body></html>',
          );
      },
    );
  });
  return router;
}
