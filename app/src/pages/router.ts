/**
 * GET /privacy and /terms: plain HTML pages readable without Teams (Teams admin center and store
 * validation open them from the manifest), rendered once at start from the deployment's settings.
 * One inline stylesheet allowed by its hash; nothing else loads.
 */
import express from 'express';
import { PAGE_STYLE_SOURCE, POLICY_PATHS, renderPolicyPage } from './layout';
import type { PolicySettings } from './policy-settings';
import { privacyPage } from './privacy-page';
import { termsPage } from './terms-page';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': `default-src 'none'; style-src ${PAGE_STYLE_SOURCE}; base-uri 'none'; form-action 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function policyPagesRouter(settings: PolicySettings): express.Router {
  const router = express.Router();
  const pages = [
    [POLICY_PATHS.privacy, renderPolicyPage(privacyPage(settings))],
    [POLICY_PATHS.terms, renderPolicyPage(termsPage(settings))],
  ] as const;
  for (const [path, body] of pages) {
    router.get(path, (_req, res) => {
      res.set(HEADERS).send(body);
    });
  }
  return router;
}
