/**
 * Walks the sandbox Entra sign-in and admin-consent pages as a browser would: fetch each page over
 * HTTPS, post its only form with the hidden fields plus the user's choice.
 */
import type https from 'node:https';
import { httpsJson } from './sandbox';

export interface Page {
  status: number;
  location?: string;
  html: string;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The hidden fields and action of the page's (only) form, as a browser would submit them. */
export function formOf(page: Page): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
  if (!action) throw new Error(`No form on page:\n${page.html}`);
  const fields: Record<string, string> = {};
  for (const m of page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  }
  return { action: unescapeHtml(action), fields };
}

export class ConsentBrowser {
  constructor(
    private readonly agent: https.Agent,
    private readonly entraUrl: string,
  ) {}

  async browse(url: string, form?: Record<string, string>): Promise<Page> {
    const res = await httpsJson<string>(
      this.agent,
      url,
      form ? 'POST' : 'GET',
      form ? new URLSearchParams(form).toString() : undefined,
      form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    );
    const location = res.headers.location;
    return {
      status: res.status,
      ...(typeof location === 'string' ? { location } : {}),
      html: String(res.body ?? ''),
    };
  }

  /** Posts the page's only form with its hidden fields and `extra`. */
  async submit(page: Page, extra: Record<string, string>): Promise<Page> {
    const { action, fields } = formOf(page);
    return this.browse(`${this.entraUrl}${action}`, { ...fields, ...extra });
  }

  /** Picks `upn` on the sign-in page, answers the consent prompt (`decision`), returns the last page. */
  async consent(consentUrl: string, upn: string, decision: 'accept' | 'cancel'): Promise<Page> {
    const picker = await this.browse(consentUrl);
    const prompt = await this.submit(picker, { account: upn });
    return this.submit(prompt, { decision });
  }
}
