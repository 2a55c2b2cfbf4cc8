/**
 * The sandbox Teams host page in Chromium, hosting a probe tab that calls the real teams-js 2.58:
 * initialize, context, SSO token, theme changes, the authentication popup and notifySuccess.
 */
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startTestSandbox, httpsJson, type TestSandbox } from '../support/sandbox';
import { launch, newPage, screenshot, type CapturedPage } from '../support/browser';
import { closeInOrder, closeThenCheckPageErrors } from '../support/teardown';
import { startProbeServer, type ProbeServer } from './fixtures/probe-server';
import { personalConversation } from '../../sandbox/src/connector/channel';
import { connectorState } from '../../sandbox/src/connector/state';

jest.setTimeout(120_000);

const CONTOSO_TENANT_ID = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

interface ProbeContext {
  userPrincipalName: string;
  loginHint: string;
  userId: string;
  tenantId: string;
  theme: string;
  frameContext: string;
  hostClientType: string;
  entityId: string;
}

interface HostState {
  user: string;
  theme: string;
  initialized: boolean;
  appInitialization: { status: string };
  registeredHandlers: string[];
  unsupportedCalls: string[];
  authentication: { status: string; result?: string };
}

describe('sandbox Teams host page with a teams-js probe tab', () => {
  let sandbox: TestSandbox;
  let probe: ProbeServer;
  let browser: Browser;
  const opened: CapturedPage[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    probe = await startProbeServer({ certPem: sandbox.certs.tlsCertPem, keyPem: sandbox.certs.tlsKeyPem });
    browser = await launch({ trustedTlsCertPems: [sandbox.certs.tlsCertPem] });
  });
  afterEach(() => closeThenCheckPageErrors(opened.splice(0)));
  afterAll(() =>
    closeInOrder(
      () => browser?.close(),
      () => probe?.close(),
      () => sandbox?.close(),
    ),
  );

  async function openHost(
    query: Record<string, string> = {},
    tabUrl = probe.tabUrl(sandbox.urls.home),
    /** Runs in the host page before its own scripts. */
    initScript?: () => void,
  ): Promise<{ page: Page; tab: FrameLocator }> {
    const url = new URL(`${sandbox.urls.home}/`);
    url.searchParams.set('tab', tabUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const captured = await newPage(browser);
    opened.push(captured);
    if (initScript) await captured.page.addInitScript(initScript);
    await captured.page.goto(url.href);
    const tab = captured.page.frameLocator('#tab-frame');
    await tab.locator('#notify-success:not([data-state="pending"])').waitFor();
    return { page: captured.page, tab };
  }

  async function probeJson<T>(tab: FrameLocator, id: string): Promise<T> {
    return JSON.parse((await tab.locator(`#${id}`).textContent()) ?? 'null') as T;
  }

  const hostState = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as { __teamsHost: HostState }).__teamsHost);

  it('signs the tab in as admin@contoso.com: context, an SSO token signed by the Entra keys, notifySuccess', async () => {
    const { page, tab } = await openHost();

    const context = await probeJson<ProbeContext>(tab, 'context');
    expect(context).toMatchObject({
      userPrincipalName: 'admin@contoso.com',
      loginHint: 'admin@contoso.com',
      userId: 'cdc047c8-923b-4c34-ae1c-9838e7e41cf8',
      tenantId: CONTOSO_TENANT_ID,
      theme: 'default',
      frameContext: 'content',
      hostClientType: 'web',
      entityId: 'connect',
    });

    const token = (await tab.locator('#token').textContent()) ?? '';
    const jwks = await httpsJson<JSONWebKeySet>(
      sandbox.agent,
      `${sandbox.urls.entra}/${CONTOSO_TENANT_ID}/discovery/v2.0/keys`,
    );
    expect(jwks.status).toBe(200);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), {
      issuer: `${sandbox.urls.entra}/${CONTOSO_TENANT_ID}/v2.0`,
      audience: sandbox.context.seed.app.clientId,
    });
    expect(payload).toMatchObject({ tid: CONTOSO_TENANT_ID, preferred_username: 'admin@contoso.com' });

    expect(await tab.locator('#notify-success').textContent()).toBe('{"hasFinishedSuccessfully":true}');
    await page.locator('#app-status[data-status="success"]').waitFor();
    const state = await hostState(page);
    expect(state.appInitialization.status).toBe('success');
    expect(state.registeredHandlers).toContain('themeChange');

    await screenshot(page, 'teams-host-light');
  });

  it('shows and records app.notifyFailure', async () => {
    const { page } = await openHost({}, probe.tabUrl(sandbox.urls.home, { outcome: 'failure' }));
    await page.locator('#app-status[data-status="failure"]').waitFor();
    expect(await page.locator('#app-status').textContent()).toBe(
      'Exchange Connect could not load: AuthFailed (The probe was told to fail.)',
    );
    expect((await hostState(page)).appInitialization).toEqual({
      status: 'failure',
      reason: 'AuthFailed',
      message: 'The probe was told to fail.',
    });
  });

  it('switching the signed-in user reloads the tab with that user in the context', async () => {
    const { page } = await openHost();
    await page.locator('#user-switcher').selectOption('alex@contoso.com');
    await page.waitForURL(/user=alex%40contoso\.com/);
    const tab = page.frameLocator('#tab-frame');
    await tab.locator('#context[data-state="done"]').waitFor();
    const context = await probeJson<ProbeContext>(tab, 'context');
    expect(context.userPrincipalName).toBe('alex@contoso.com');
    expect(context.userId).toBe('9c149503-4ead-4ba7-b6c0-d8198b26a22f');
    await tab.locator('#token[data-state="done"]').waitFor();
    const claims = JSON.parse(
      Buffer.from(
        ((await tab.locator('#token').textContent()) ?? '').split('.')[1] ?? '',
        'base64url',
      ).toString(),
    ) as { preferred_username: string; wids?: string[] };
    expect(claims.preferred_username).toBe('alex@contoso.com');
    expect(claims.wids).toBeUndefined();
  });

  it('pushes theme changes to the tab and answers later getContext calls with the new theme', async () => {
    const { page, tab } = await openHost();
    await page.locator('#theme-switcher').selectOption('dark');
    await tab.locator('#theme[data-state="changed"]').waitFor();
    expect(await tab.locator('#theme').textContent()).toBe('dark');
    await page.locator('#theme-switcher').selectOption('contrast');
    await tab.locator('#theme:text-is("dark,contrast")').waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('contrast');
    expect((await hostState(page)).theme).toBe('contrast');
    await screenshot(page, 'teams-host-contrast');
    // The theme survives a reload (it is kept in the URL) and is the context's theme from the start.
    await page.reload();
    await page.frameLocator('#tab-frame').locator('#context[data-state="done"]').waitFor();
    expect((await probeJson<ProbeContext>(page.frameLocator('#tab-frame'), 'context')).theme).toBe(
      'contrast',
    );
  });

  it('opens the authentication popup and hands its notifySuccess value back to the tab', async () => {
    const { page, tab } = await openHost();
    const popupOpened = page.waitForEvent('popup');
    await tab.locator('#authenticate-success').click();
    const popup = await popupOpened;
    const popupClosed = popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close');
    await tab.locator('#authenticate[data-state="success"]').waitFor();
    expect(await tab.locator('#authenticate').textContent()).toBe('probe-auth-code-42');
    await popupClosed;
    expect((await hostState(page)).authentication).toEqual({
      status: 'success',
      result: 'probe-auth-code-42',
    });
  });

  it('answers CancelledByUser when the user closes the authentication popup', async () => {
    const { page, tab } = await openHost();
    const popupOpened = page.waitForEvent('popup');
    await tab.locator('#authenticate-wait').click();
    const popup = await popupOpened;
    // The popup's own teams-js initialized in the authentication frame context before the user gives up.
    await popup.locator('#frame-context[data-state="done"]').waitFor();
    expect(await popup.locator('#frame-context').textContent()).toBe('authentication');
    await popup.close();
    await tab.locator('#authenticate[data-state="failure"]').waitFor();
    expect(await tab.locator('#authenticate').textContent()).toBe('CancelledByUser');
  });

  it('hands notifySuccess back even when the popup is seen closed before its message is read (a loaded machine)', async () => {
    // Hold the host's incoming messages, as a busy host page would: teams-js closes the popup
    // 200 ms after notifySuccess, so the host's closed-popup poll can run before the message.
    // Installed before the host's scripts, so this listener runs before the host's own.
    const { page, tab } = await openHost({}, undefined, () => {
      const host = globalThis as unknown as {
        addEventListener(type: string, listener: (e: MessageEvent) => void, capture: boolean): void;
        dispatchEvent(e: Event): boolean;
        __holdMessages?: () => void;
        __releaseMessages?: () => number;
      };
      const held: MessageEvent[] = [];
      let holding = false;
      host.addEventListener(
        'message',
        (event) => {
          if (!holding) return;
          held.push(event);
          event.stopImmediatePropagation();
        },
        true,
      );
      host.__holdMessages = () => {
        holding = true;
      };
      host.__releaseMessages = () => {
        holding = false;
        const count = held.length;
        for (const e of held.splice(0)) {
          host.dispatchEvent(
            new MessageEvent('message', { data: e.data, origin: e.origin, source: e.source }),
          );
        }
        return count;
      };
    });
    const popupOpened = page.waitForEvent('popup');
    await tab.locator('#authenticate-wait').click();
    const popup = await popupOpened;
    const closed = popup.waitForEvent('close');
    // The popup's teams-js initializes, then the host gets busy and the popup signs in.
    await popup.locator('#frame-context[data-state="done"]').waitFor();
    await page.evaluate(() => (globalThis as unknown as { __holdMessages(): void }).__holdMessages());
    await popup.evaluate(() =>
      (
        globalThis as unknown as { microsoftTeams: { authentication: { notifySuccess(r: string): void } } }
      ).microsoftTeams.authentication.notifySuccess('late-auth-code'),
    );
    await closed;
    // A few of the host's closed-popup polls (250 ms apart) run before the message is read.
    await page.waitForTimeout(700);
    const released = await page.evaluate(() =>
      (globalThis as unknown as { __releaseMessages(): number }).__releaseMessages(),
    );
    expect(released).toBeGreaterThan(0);
    await tab.locator('#authenticate:not([data-state="pending"])').waitFor();
    expect(await tab.locator('#authenticate').textContent()).toBe('late-auth-code');
  });

  it('answers a function it does not implement with a teams-js SdkError instead of leaving it pending', async () => {
    const { page, tab } = await openHost();
    await tab.locator('#unknown-call-button').click();
    await tab.locator('#unknown-call[data-state="answered"]').waitFor();
    const answer = await probeJson<{ id: number; uuidAsString: string; args: [{ errorCode: number }] }>(
      tab,
      'unknown-call',
    );
    expect(answer).toMatchObject({ id: 900001, args: [{ errorCode: 100 }] });
    expect(answer.uuidAsString).toMatch(/^[0-9a-f-]{36}$/);
    expect((await hostState(page)).unsupportedCalls).toContain('sandboxProbe.unknownFunction');
  });

  it("shows what the bot posted to the signed-in user's chats, Adaptive Cards included", async () => {
    const { context } = sandbox;
    const contoso = context.seed.tenants[0]!;
    const admin = contoso.users.find((u) => u.upn === 'admin@contoso.com')!;
    const alex = contoso.users.find((u) => u.upn === 'alex@contoso.com')!;
    const feed = connectorState(context);
    const adminChat = personalConversation(context, contoso, admin);
    const alexChat = personalConversation(context, contoso, alex);
    feed.record(adminChat.id, 'send', {
      type: 'message',
      id: '1001',
      text: 'Exchange Online for **Contoso** needs attention.',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            version: '1.5',
            body: [
              { type: 'TextBlock', text: 'Exchange connection degraded', weight: 'bolder', size: 'medium' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Check', value: 'Certificate expiry' },
                  { title: 'Status', value: 'Expires in 6 days' },
                ],
              },
              {
                type: 'ActionSet',
                actions: [
                  {
                    type: 'Action.OpenUrl',
                    title: 'Open Exchange Connect',
                    url: 'https://localhost:53000/tab/',
                  },
                ],
              },
            ],
          },
        },
      ],
    });
    feed.record(alexChat.id, 'send', { type: 'message', id: '1002', text: 'Only for Alex' });

    const { page } = await openHost();
    const message = page.locator('#chat-log .chat-message');
    await message.first().waitFor();
    expect(await message.count()).toBe(1);
    expect(await message.locator('.chat-text').textContent()).toBe(
      'Exchange Online for Contoso needs attention.',
    );
    expect(await message.locator('.chat-text strong').textContent()).toBe('Contoso');
    expect(await message.locator('.card-heading').textContent()).toBe('Exchange connection degraded');
    expect(await message.locator('.card-facts dt').allTextContents()).toEqual(['Check', 'Status']);
    expect(await message.locator('.card-facts dd').allTextContents()).toEqual([
      'Certificate expiry',
      'Expires in 6 days',
    ]);
    expect(await message.locator('a.card-action').getAttribute('href')).toBe('https://localhost:53000/tab/');
    expect(await page.locator('#chat-empty').isHidden()).toBe(true);
    await screenshot(page, 'teams-host-chat');

    // An update replaces the message in place, as Teams shows an edited card.
    feed.record(adminChat.id, 'update', {
      type: 'message',
      id: '1001',
      text: 'Exchange Online for **Contoso** is healthy again.',
    });
    await page.locator('#chat-log .chat-text', { hasText: 'healthy again' }).waitFor();
    expect(await message.count()).toBe(1);
  });

  it('renders in the dark theme', async () => {
    const { page, tab } = await openHost({ theme: 'dark' });
    expect((await probeJson<ProbeContext>(tab, 'context')).theme).toBe('dark');
    await screenshot(page, 'teams-host-dark');
  });
});
