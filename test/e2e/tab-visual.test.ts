/**
 * What admins see in the Teams tab, at 320, 420 and 1280 px and in the light, dark, high-contrast
 * and forced-colours themes: no sideways scrolling, nothing clipped, readable text (WCAG 4.5:1
 * from the rendered colours), a visible focus ring on the primary button. Every shot is saved to
 * test-results/visual/ to be looked at. Also: the Copy button of a command block in Teams' iframe,
 * where the Clipboard API is refused.
 */
import { sealPassword } from '../../api/src/secrets/seal-password';
import type { SealingKeyView } from '../../api/src/http/contract';
import { tabTestFile, type OpenTab } from './tab-driver';
import { seededServicePassword } from '../support/sandbox';
import {
  applyTheme,
  primaryFocusProblem,
  shoot,
  TAB_WIDTHS,
  VISUAL_THEMES,
  type ShotReport,
} from './visual-driver';

jest.setTimeout(240_000);

const CONTOSO_ADMIN = 'admin@contoso.com';
const FABRIKAM_ADMIN = 'admin@fabrikam.com';
/** Nobody connects Northwind in this file: its wizard is always at the start. */
const NORTHWIND_ADMIN = 'admin@northwind.com';
const SERVICE_ACCOUNT = 'svc-ews@fabrikam.com';

interface EwsConfig {
  enabled: boolean | null;
  allowedAppIds: string[];
}

interface Problems {
  overflow: string[];
  clipped: string[];
  contrast: string[];
  focus: string[];
  /** What a page's own check found (`layout` below), per shot. */
  layout: string[];
}

/** A page's own look check, run on every shot. */
type LayoutCheck = (session: OpenTab) => Promise<string[]>;

/** Each method's icon sits on the first line of its title, never alone on a line above it. */
const iconBesideTitle: LayoutCheck = async ({ tab }) => {
  const rows = await tab.getByRole('radio').evaluateAll((radios) =>
    radios.map((radio) => {
      const label = (radio as unknown as { labels: { querySelector(s: string): unknown }[] }).labels[0];
      const box = (selector: string) =>
        (
          label?.querySelector(selector) as {
            getBoundingClientRect(): { top: number; bottom: number };
          } | null
        )?.getBoundingClientRect();
      const icon = box('svg');
      const title = box('.fui-Text');
      return { icon, title };
    }),
  );
  // A selector that stops matching must fail the check, not switch it off.
  if (rows.length !== 2) return [`expected 2 method options, measured ${rows.length}`];
  return rows.flatMap(({ icon, title }, index) =>
    !icon || !title
      ? [`option ${index + 1}: icon or title not found`]
      : icon.bottom <= title.top + 2
        ? [`option ${index + 1}: the icon is on a line of its own`]
        : [],
  );
};

describe('Teams tab: how it looks at every width and theme', () => {
  const file = tabTestFile();

  /** Shoots the page the session shows in every theme and width; returns what is wrong, by shot. */
  async function shootEverywhere(
    session: OpenTab,
    pageName: string,
    primary: string,
    layout?: LayoutCheck,
  ): Promise<Problems> {
    const problems: Problems = { overflow: [], clipped: [], contrast: [], focus: [], layout: [] };
    const note = (report: ShotReport) => {
      const name = report.file.replace(/.*\//, '');
      for (const key of ['overflow', 'clipped', 'contrast'] as const) {
        problems[key].push(...report[key].map((p) => `${name}: ${p}`));
      }
    };
    for (const theme of VISUAL_THEMES) {
      await applyTheme(session, theme);
      for (const width of TAB_WIDTHS) {
        note(await shoot(session, pageName, width, theme));
        const focus = await primaryFocusProblem(session, primary);
        if (focus) problems.focus.push(`${pageName}-${width}-${theme.name}: ${focus}`);
        const own = layout ? await layout(session) : [];
        problems.layout.push(...own.map((p) => `${pageName}-${width}-${theme.name}: ${p}`));
      }
    }
    return problems;
  }

  const NOTHING_WRONG: Problems = { overflow: [], clipped: [], contrast: [], focus: [], layout: [] };

  it('the wizard: choose the method, modern consent (Graph and the EWS option), the Basic form', async () => {
    const session = await file.open(CONTOSO_ADMIN);
    const { tab } = session;
    await tab.getByRole('heading', { name: 'Where are your mailboxes?' }).waitFor();
    expect(await shootEverywhere(session, 'choose-method', 'Next', iconBesideTitle)).toEqual(NOTHING_WRONG);

    await tab.getByRole('button', { name: 'Next' }).click();
    await tab.getByRole('heading', { name: 'Grant admin consent' }).waitFor();
    expect(await shootEverywhere(session, 'consent-graph', 'Grant admin consent')).toEqual(NOTHING_WRONG);
    await tab.getByRole('radio', { name: /Exchange Web Services/ }).check();
    await tab.getByText('full_access_as_app').waitFor();
    expect(await shootEverywhere(session, 'consent-ews', 'Grant admin consent')).toEqual(NOTHING_WRONG);

    await tab.getByRole('button', { name: 'Back' }).click();
    await tab.getByRole('radio', { name: /Exchange Server/ }).check();
    await tab.getByRole('button', { name: 'Next' }).click();
    await tab.getByRole('heading', { name: 'Connect Exchange Server' }).waitFor();
    expect(await shootEverywhere(session, 'basic-form', 'Connect and verify')).toEqual(NOTHING_WRONG);
  });

  it('a failed verification: the checklist, its remediation and the PowerShell to run', async () => {
    const { app } = file;
    // EWS never turned on for Contoso: the verification over EWS fails with the allow-list command.
    await app.consentAs(CONTOSO_ADMIN, 'accept', 'ews');
    const ews = (await app.sandbox.control<EwsConfig>('GET', '/exchange/ews/contoso.com')).body;
    await app.sandbox.control('PUT', '/exchange/ews/contoso.com', { enabled: null, allowedAppIds: [] });
    try {
      await shootFailedVerification();
    } finally {
      await app.sandbox.control('PUT', '/exchange/ews/contoso.com', ews);
    }
  });

  async function shootFailedVerification() {
    const session = await file.open(CONTOSO_ADMIN);
    const { tab } = session;
    // Consent alone verifies nothing: the status page says "Connecting" until the admin verifies.
    await tab.getByRole('heading', { name: 'Connecting Exchange' }).waitFor();
    await tab.getByRole('button', { name: 'Verify again', exact: true }).last().click();
    await tab.getByTestId('ews-blocked').waitFor({ timeout: 60_000 });
    await tab.getByTestId('ews-allow-command').waitFor();
    expect(await tab.locator('[data-testid^="remediation-"]').count()).toBeGreaterThan(0);
    expect(await shootEverywhere(session, 'verify-failed', 'Verify again')).toEqual(NOTHING_WRONG);
  }

  it('connected and healthy: rooms, the room-scope commands, the activity log', async () => {
    const { app } = file;
    await app.consentAs(CONTOSO_ADMIN);
    expect((await app.call(CONTOSO_ADMIN, 'POST', '/api/integration/verify', {})).status).toBe(200);
    expect((await app.call(CONTOSO_ADMIN, 'POST', '/api/integration/health/check', {})).status).toBe(200);
    const session = await file.open(CONTOSO_ADMIN);
    const { tab } = session;
    await tab.getByRole('heading', { name: 'Exchange is connected and healthy' }).waitFor();
    await tab.getByRole('button', { name: 'Show the steps' }).click();
    await tab.getByTestId('rbac-scope').waitFor();
    await tab.getByTestId('audit-entry').first().waitFor();
    expect(await shootEverywhere(session, 'status-connected', 'Verify again')).toEqual(NOTHING_WRONG);
  });

  it("Copy in Teams' iframe, where the Clipboard API is refused: the command is selected and the admin told to press Ctrl+C", async () => {
    const session = await file.open(NORTHWIND_ADMIN);
    const { tab, page, context } = session;
    await tab.getByRole('radio', { name: /Exchange Server/ }).check();
    await tab.getByRole('button', { name: 'Next' }).click();
    await tab.getByRole('textbox', { name: 'Service account' }).fill('svc-rooms@northwind.com');
    const command = tab.getByTestId('impersonation-command');
    const text = (await command.textContent()) ?? '';
    expect(text).toBe(
      "New-ManagementRoleAssignment -Name 'Exchange Connect impersonation' -Role 'ApplicationImpersonation' -User 'svc-rooms@northwind.com'",
    );
    // The host's iframe has no clipboard-write permission: the API exists but refuses.
    const refused = await session.frame().evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }
      ).navigator.clipboard
        .writeText('probe')
        .then(
          () => 'written',
          (error: { name: string }) => error.name,
        ),
    );
    expect(refused).toBe('NotAllowedError');

    await command.locator('xpath=..').getByRole('button', { name: 'Copy' }).click();
    await expect(tab.getByTestId('impersonation-command-copy-fallback').textContent()).resolves.toMatch(
      /the command is selected, press Ctrl\+C/,
    );
    const selection = await session.frame().evaluate(() => {
      const doc = globalThis as unknown as {
        getSelection(): { toString(): string } | null;
        document: { activeElement: { getAttribute(name: string): string | null } | null };
      };
      return {
        selected: doc.getSelection()?.toString() ?? '',
        focused: doc.document.activeElement?.getAttribute('data-testid') ?? null,
      };
    });
    expect(selection).toEqual({ selected: text, focused: 'impersonation-command' });
    await expect(tab.getByText('Command selected: press Control C to copy it').count()).resolves.toBe(1);

    // And Ctrl+C then copies exactly the command (read back from the host page, which may read).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(page.url()).origin,
    });
    await page.keyboard.press('Control+C');
    const copied = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(copied).toBe(text);
  });

  it('a failing connection: the cause, its remedy and the fix', async () => {
    const { app } = file;
    const key = await app.call<SealingKeyView>(FABRIKAM_ADMIN, 'POST', '/api/sealing-key', {
      purpose: 'connect',
    });
    expect(key.status).toBe(201);
    const connected = await app.call<{ outcome: string }>(FABRIKAM_ADMIN, 'POST', '/api/integrations/basic', {
      ewsUrl: `${app.sandbox.urls.exchangeServer}/EWS/Exchange.asmx`,
      serviceAccount: SERVICE_ACCOUNT,
      sealedPassword: await sealPassword(key.body, seededServicePassword(file.app.sandbox, SERVICE_ACCOUNT)),
    });
    expect(connected.body.outcome).toBe('verified');
    // Someone changed the service account's password in Active Directory: two runs in a row fail.
    await app.sandbox.control('PUT', `/exchange/service-accounts/${SERVICE_ACCOUNT}/password`, {
      password: 'Changed-Elsewhere-1!',
    });
    for (let run = 0; run < 2; run++) {
      expect((await app.call(FABRIKAM_ADMIN, 'POST', '/api/integration/health/check', {})).status).toBe(200);
    }
    const session = await file.open(FABRIKAM_ADMIN);
    const { tab } = session;
    await tab.getByRole('heading', { name: 'The Exchange connection is failing' }).waitFor();
    await tab.getByTestId('audit-entry').first().waitFor();
    // The activity names mailboxes, never the connection's internal id.
    const activity = await tab.getByTestId('audit-entry').allTextContents();
    expect(activity).toContainEqual(expect.stringMatching(/^Connected Exchange Server/));
    expect(activity.join('\n')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(await shootEverywhere(session, 'status-failing', 'Verify again')).toEqual(NOTHING_WRONG);
  });
});
