/** The frame of the policy pages: the tab's header bar and column, and links between the pages. */
import { createHash } from 'node:crypto';
import { Html, html } from './html';
import { PAGE_CSS } from './theme';

/** The Content-Security-Policy source of the one inline stylesheet; nothing else may load. */
export const PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;

/** Built outside the template, so its text is exactly what PAGE_STYLE_SOURCE hashes. */
const STYLE = new Html(`<style>${PAGE_CSS}</style>`);

export const POLICY_PATHS = { privacy: '/privacy', terms: '/terms' } as const;

export interface PolicyPage {
  title: string;
  summary: string;
  body: Html;
}

export function renderPolicyPage(page: PolicyPage): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${page.title} · Exchange Connect</title>
        <meta name="description" content="${page.summary}" />
        ${STYLE}
      </head>
      <body>
        <header class="app">
          <span class="mark" aria-hidden="true">E</span><span>Exchange Connect</span>
        </header>
        <main>
          <article class="panel">
            <h1>${page.title}</h1>
            <p class="lead">${page.summary}</p>
            ${page.body}
          </article>
        </main>
        <footer class="links">
          <nav aria-label="Exchange Connect policies">
            <a href="${POLICY_PATHS.privacy}">Privacy statement</a
            ><a href="${POLICY_PATHS.terms}">Terms of use</a>
          </nav>
        </footer>
      </body>
    </html> `.text;
}
