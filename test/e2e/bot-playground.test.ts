/**
 * `npm run playground`: the alert bot chats with the Microsoft 365 Agents Playground (its real
 * CLI and web UI, offline), driven in Chromium: install greets, `help` answers with the command
 * card, and a demo alert written to the outbox arrives as a proactive card.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createLogger } from '../../api/src/logger';
import { startPlaygroundBot, startPlaygroundUi, type PlaygroundBot } from '../../scripts/playground';
import { launch, newPage, screenshot } from '../support/browser';

jest.setTimeout(120_000);

/** Starts the Playground CLI on a free port (it falls back to a random one) and reads which. */
async function startUi(appEndpoint: string): Promise<{ process: ChildProcess; url: string }> {
  const ui = startPlaygroundUi(appEndpoint, 0, 'pipe');
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Playground did not start: ${output}`)), 60_000);
    ui.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    ui.once('exit', (code) => reject(new Error(`Playground exited with ${code}: ${output}`)));
  });
  return { process: ui, url: `http://localhost:${port}` };
}

describe('alert bot in the Microsoft 365 Agents Playground', () => {
  let dir: string;
  let bot: PlaygroundBot;
  let ui: { process: ChildProcess; url: string };
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ec-playground-'));
    bot = await startPlaygroundBot({
      port: 0,
      databaseFile: path.join(dir, 'playground.db'),
      log: createLogger({ level: 'silent' }),
    });
    ui = await startUi(bot.url);
    browser = await launch({ trustedTlsCertPems: [] });
  });
  afterAll(async () => {
    await browser?.close();
    ui?.process.kill('SIGTERM');
    await bot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('greets on install, answers `help` typed in the Playground UI, and shows a proactive alert', async () => {
    const { page } = await newPage(browser);
    try {
      await page.goto(ui.url);
      // The Playground installs the bot in a personal chat on load: the welcome card arrives.
      await page.getByText('Installed in this conversation').first().waitFor({ timeout: 60_000 });

      // The compose box is a Lexical editor (a contenteditable textbox), as in Teams.
      const compose = page.locator('[data-lexical-editor="true"][role="textbox"]');
      await compose.click();
      await page.keyboard.type('help');
      await page.keyboard.press('Enter');
      await page.getByText('Exchange Connect alerts: commands').first().waitFor({ timeout: 30_000 });
      await screenshot(page, 'bot-playground-help');

      const raised = await fetch(bot.url.replace('/api/messages', '/_playground/alerts'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'failing' }),
      });
      expect(raised.status).toBe(201);
      expect(((await raised.json()) as { value: unknown[] }).value).toHaveLength(1);
      await page
        .getByText('Exchange connection failing: App-only token')
        .first()
        .waitFor({ timeout: 30_000 });
      await page.getByText('AADSTS7000229').first().waitFor();
      await screenshot(page, 'bot-playground-alert');
    } finally {
      await page.context().close();
    }
  });
});
