/**
 * /privacy and /terms: served as self-contained HTML (one stylesheet, allowed by its hash), themed
 * with the tab's Fluent tokens, and saying what this deployment does: its retention settings, its
 * contact (or that none is configured), the permissions the code asks for.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { createRequire } from 'node:module';
import { policyPagesRouter } from '../../app/src/pages/router';
import { roomScopeCommands } from '../../api/src/room-scope-commands';
import { KEY_VAULT_SOFT_DELETE_DAYS, type PolicySettings } from '../../app/src/pages/policy-settings';
import {
  DARK_TOKENS,
  FONT_FAMILY_BASE,
  FONT_FAMILY_MONOSPACE,
  LIGHT_TOKENS,
} from '../../app/src/pages/theme';

type FluentTheme = Record<string, string>;
/**
 * Fluent's Teams themes, loaded at run time only: their types (React's DOM typings) do not belong in
 * the server's type check.
 */
const { teamsDarkTheme, teamsLightTheme } = createRequire(__filename)('@fluentui/react-components') as {
  teamsLightTheme: FluentTheme;
  teamsDarkTheme: FluentTheme;
};

const ROOT = path.resolve(__dirname, '..', '..');
const SETTINGS: PolicySettings = {
  appId: '52c54a6a-55a3-4c79-a19b-df6eae6b8dda',
  retention: { traceDays: 45, auditDays: 400, alertDays: 21, healthResultDays: 7 },
  healthIntervalMs: 15 * 60_000,
};

async function serve(settings: PolicySettings) {
  const app = express().use(policyPagesRouter(settings));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: async (pathname: string, method = 'GET') => {
      const res = await fetch(`${base}${pathname}`, { method });
      return { status: res.status, headers: res.headers, body: await res.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The page's text without tags, whitespace collapsed. */
const textOf = (body: string) =>
  body
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('the policy pages', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(SETTINGS);
  });
  afterAll(() => server.close());

  it.each(['/privacy', '/terms'])(
    '%s answers 200 with HTML whose only stylesheet the CSP allows',
    async (pathname) => {
      const page = await server.get(pathname);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const css = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] ?? '';
      const hash = createHash('sha256').update(css).digest('base64');
      expect(page.headers.get('content-security-policy')).toBe(
        `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`,
      );
      expect(page.body).not.toMatch(/<script|<link|src=/);
      expect((await server.get(pathname, 'HEAD')).status).toBe(200);
    },
  );

  it("shows this deployment's retention settings and what disconnecting leaves", async () => {
    const text = textOf((await server.get('/privacy')).body);
    expect(text).toContain('45 days; the newest trace of each connection is kept, however old');
    expect(text).toContain('Health check results Each check');
    expect(text).toMatch(/Health check results .*? 7 days/);
    expect(text).toContain('21 days once delivered');
    expect(text).toMatch(/Audit log .*? 400 days/);
    expect(text).toContain('Valid 10 minutes; deleted at the next daily clean-up');
    expect(text).toContain('recoverable in the vault for 90 days');
    expect(text).toContain('No mailbox content is stored');
    expect(text).toContain('Properties → Delete');
    expect(text).toContain('every 15 minutes');
  });

  it('names the permissions the code asks for: Graph by default, EWS full_access_as_app until 1 April 2027', async () => {
    const text = textOf((await server.get('/privacy')).body);
    expect(text).toContain(
      'Exchange Online over Microsoft Graph (the default) Calendars.ReadWrite (application)',
    );
    expect(text).toContain('Place.Read.All (application)');
    expect(text).toContain(
      'Exchange Web Services (legacy, until 1 April 2027) full_access_as_app (application)',
    );
    const commands = roomScopeCommands({
      appId: SETTINGS.appId,
      servicePrincipalId: '<object id of the Exchange Connect enterprise application>',
      room: '<a room mailbox>',
    });
    for (const command of Object.values(commands)) expect(text).toContain(command);
    expect(commands.assignment).toContain("-Role 'Application Calendars.ReadWrite'");
    expect(text).toContain(`application id ${SETTINGS.appId}`);
  });

  it('says that no contact is configured, and shows a configured one escaped', async () => {
    for (const pathname of ['/privacy', '/terms']) {
      expect(textOf((await server.get(pathname)).body)).toContain(
        'No contact has been configured for this deployment.',
      );
    }
    const configured = await serve({ ...SETTINGS, publisherContact: 'privacy@publisher.example' });
    const hostile = await serve({ ...SETTINGS, publisherContact: 'Desk <script>alert(1)</script>' });
    try {
      const page = (await configured.get('/terms')).body;
      expect(page).toContain('<a href="mailto:privacy@publisher.example">privacy@publisher.example</a>');
      expect(page).not.toContain('No contact has been configured');
      const escaped = (await hostile.get('/privacy')).body;
      expect(escaped).not.toContain('<script>');
      expect(escaped).toContain('Desk &lt;script&gt;alert(1)&lt;/script&gt;');
    } finally {
      await configured.close();
      await hostile.close();
    }
  });

  it('links each page to the other', async () => {
    expect((await server.get('/privacy')).body).toMatch(/<a href="\/terms">Terms of use<\/a\s*>/);
    expect((await server.get('/terms')).body).toMatch(/<a href="\/privacy">Privacy statement<\/a\s*>/);
  });
});

describe('the policy pages theme', () => {
  it.each([
    ['light', LIGHT_TOKENS, teamsLightTheme],
    ['dark', DARK_TOKENS, teamsDarkTheme],
  ] as const)("uses the tab's Fluent %s theme colours", (_name, tokens, theme) => {
    for (const [name, value] of Object.entries(tokens)) {
      expect([name, value]).toEqual([name, theme[name]]);
    }
  });

  it("uses the tab's fonts (tab/src/teams/theme.ts adds Arial before the generic fallback)", () => {
    expect(FONT_FAMILY_BASE).toBe(
      teamsLightTheme.fontFamilyBase?.replace('"Segoe UI",', '"Segoe UI", Arial,'),
    );
    expect(FONT_FAMILY_MONOSPACE).toBe(teamsLightTheme.fontFamilyMonospace);
  });

  it("says what infra/azure.bicep provisions for the vault's soft delete", () => {
    const bicep = readFileSync(path.join(ROOT, 'infra', 'azure.bicep'), 'utf8');
    expect(bicep).toMatch(new RegExp(`softDeleteRetentionInDays: ${KEY_VAULT_SOFT_DELETE_DAYS}\\b`));
    expect(bicep).toMatch(/enablePurgeProtection: true/);
  });
});
