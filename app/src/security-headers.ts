/**
 * The response headers every answer carries (helmet): a Content-Security-Policy whose
 * `frame-ancestors` lets only the Teams and Microsoft 365 hosts frame the tab, HSTS, nosniff, no
 * referrer; `no-store` for the API and consent pages, whose answers are per user and carry states.
 */
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * Who may frame the tab, as Microsoft's "Prerequisites and considerations for tabs" lists the
 * hosts: all new hosts under *.cloud.microsoft (teams.cloud.microsoft, m365.cloud.microsoft,
 * outlook.cloud.microsoft), Teams, the Microsoft 365 app and Outlook on the web.
 */
export const MICROSOFT_365_FRAME_ANCESTORS: readonly string[] = [
  'https://*.cloud.microsoft',
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office.com',
  'https://outlook-sdf.office365.com',
];

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** `extraFrameAncestors`: configured Teams host origins (the sandbox Teams host in development). */
export function securityHeaders(extraFrameAncestors: readonly string[]) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Fluent UI (Griffel) inserts its style rules at run time; the tab's HTML has a small <style>.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: [...MICROSOFT_365_FRAME_ANCESTORS, ...extraFrameAncestors],
      },
    },
    // X-Frame-Options cannot name several hosts: frame-ancestors above decides who may frame the tab.
    xFrameOptions: false,
    // The consent popup's last page hands the outcome to Teams through window.opener: a
    // same-origin opener policy would cut it off from the Teams window that opened it.
    crossOriginOpenerPolicy: false,
    strictTransportSecurity: { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Per-user answers and single-use states must not sit in a browser or proxy cache. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('cache-control', 'no-store');
  next();
}
