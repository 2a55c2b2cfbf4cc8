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
  /** Entra's consent URL rebuilt from a stored state; undefined if unknown, used or expired. */
  consentUrlFor(state: string): Promise<string | undefined>;
  /** Recognises a missing, unknown, used or expired `state` (400, nothing stored). */
  isInvalidState(error: unknown): boolean;
}

/**
 * The start page's one parameter: `state`, exactly once. Anything else in the query (a URL, a
 * tenant, a scope, a redirect) is someone building a link of their own on our domain.
 */
function startState(req: Request): string | undefined {
  const keys = Object.keys(req.query);
  const state = req.query.state;
  return keys.length === 1 && typeof state === 'string' && state !== '' ? state : undefined;
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
    const state = startState(req);
    const refused = () =>
      next(new RequestError('invalid_consent_url', 'This is not an admin-consent link of Exchange Connect.'));
    if (!state) {
      refused();
      return;
    }
    deps.consentUrlFor(state).then((target) => (target ? res.redirect(302, target) : refused()), next);
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
