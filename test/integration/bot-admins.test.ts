/**
 * The bot serves admins (issue 11, point 5), through the sandbox Teams channel with real botbuilder:
 * a regular user (alex@contoso.com) gets a polite explanation instead of status details, and their
 * `check`, "Check again", `mute`, `unmute` and `alerts on` change and run nothing; their personal
 * chat receives no alert (recorded as suppressed); a team channel receives alerts only once a
 * recognised admin said `alerts on` there; an admin stops counting when their last tab visit is
 * older than the recognition window; `check` runs at most once a minute per conversation; the
 * bot's connector tokens come from the app's one msal-node wrapper.
 */
import type { HealthAlert } from '../../api/src/store/health-types';
import type { Integration } from '../../api/src/store/types';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  HARNESS_RECOGNITION_DAYS,
  cardText,
  connectedIntegration,
  recordFailingTokenRun,
  feed,
  startBotHarness,
  type BotHarness,
  type ChannelDelivery,
  type FeedEntry,
} from './bot-harness';

jest.setTimeout(60_000);

const DAY_MS = 24 * 3600_000;

describe('the bot serves admins', () => {
  let sandbox: TestSandbox;
  let harness: BotHarness;
  let integration: Integration;
  let adminChat: string;
  let alexChat: string;
  let team: string;
  const contoso = () => sandbox.context.seed.tenants[0]!;
  const user = (upn: string) => contoso().users.find((u) => u.upn === upn)!;

  const install = async (upn: string, scope: 'personal' | 'team', teamName?: string) =>
    (
      await sandbox.control<ChannelDelivery>('POST', '/connector/install', {
        upn,
        scope,
        ...(teamName ? { teamName } : {}),
      })
    ).body.conversationId;
  /** Says `text` as `upn` and returns what the bot posted in answer. */
  const say = async (conversationId: string, upn: string, text: string): Promise<FeedEntry[]> => {
    const before = (await feed(sandbox)).length;
    const res = await sandbox.control<ChannelDelivery>('POST', '/connector/messages', {
      conversationId,
      upn,
      text,
    });
    expect(res.body.botStatus).toBe(200);
    return (await feed(sandbox)).slice(before);
  };
  const checkAgain = async (conversationId: string, upn: string) =>
    (
      await sandbox.control<ChannelDelivery>('POST', '/connector/card-actions', {
        conversationId,
        upn,
        kind: 'execute',
        verb: 'checkAgain',
        data: {},
      })
    ).body;
  const subscription = async (conversationId: string) =>
    (await harness.store.getConversationSubscription(contoso().id, conversationId))!;

  let alertNo = 0;
  const raise = (): Promise<HealthAlert> => {
    alertNo += 1;
    return harness.store.addAlert({
      tenantId: contoso().id,
      integrationId: integration.id,
      kind: 'failing',
      severity: 'critical',
      title: `Exchange connection failing #${alertNo}`,
      summary: 'The app has no admin consent in your organisation.',
      failingCheck: 'token',
      microsoftCode: 'AADSTS7000229',
      remediation: 'Grant admin consent again.',
      since: harness.clock.now().toISOString(),
    });
  };
  /** Drains the outbox; the conversations that received the alert's card, and each delivery's status. */
  const deliver = async (alert: HealthAlert) => {
    const before = (await feed(sandbox)).length;
    await harness.bot.notifier.drainOnce();
    const cards = (await feed(sandbox)).slice(before).filter((e) => cardText(e).includes(alert.title));
    const deliveries = await harness.store.listAlertDeliveries(contoso().id, alert.id);
    return {
      receivedBy: cards.map((c) => c.conversationId).sort(),
      status: Object.fromEntries(deliveries.map((d) => [d.conversationId, d.status])),
    };
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    harness = await startBotHarness(sandbox);
    await harness.recognise('admin@contoso.com');
    adminChat = await install('admin@contoso.com', 'personal');
    alexChat = await install('alex@contoso.com', 'personal');
    team = await install('admin@contoso.com', 'team', 'IT');

    const now = harness.clock.now();
    integration = await connectedIntegration(harness.store, contoso().id, now);
    await harness.store.claimDueHealthChecks({
      owner: 'test',
      now,
      leaseMs: 60_000,
      limit: 1,
      statuses: ['verified'],
    });
    await recordFailingTokenRun(harness.store, integration, now);
  });
  afterAll(async () => {
    await harness.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await sandbox.control('DELETE', '/connector/rate-limits');
  });

  const explainsWhoMayUseIt = (answer: string) => {
    expect(answer).toContain('Global Administrator');
    expect(answer).toContain('Exchange Connect tab');
    expect(answer).not.toContain('AADSTS7000229');
    expect(answer).not.toContain('failing');
  };

  it('the welcome card says who receives alerts, and that a team channel needs `alerts on`', async () => {
    const before = (await feed(sandbox)).length;
    const ops = await install('admin@contoso.com', 'team', 'Ops');
    const welcome = cardText((await feed(sandbox)).slice(before).find((e) => e.conversationId === ops));
    expect(welcome).toContain('Global Administrator');
    expect(welcome).toContain('alerts on');
    expect(welcome).toContain(`${HARNESS_RECOGNITION_DAYS} days`);
    expect(cardText((await say(adminChat, 'admin@contoso.com', 'help'))[0])).toContain('alerts on');
  });

  it('a regular user’s `status` gets a polite explanation, not the connection’s details; an admin’s gets them', async () => {
    explainsWhoMayUseIt(cardText((await say(alexChat, 'alex@contoso.com', 'status'))[0]));
    explainsWhoMayUseIt(cardText((await say(team, 'alex@contoso.com', 'status'))[0]));
    const admins = cardText((await say(adminChat, 'admin@contoso.com', 'status'))[0]);
    expect(admins).toContain('The Exchange connection is failing');
    expect(admins).toContain('AADSTS7000229');
  });

  it('a regular user’s `check` and "Check again" run nothing', async () => {
    const calls = harness.checkNowCalls.length;
    const answers = await say(alexChat, 'alex@contoso.com', 'check');
    expect(answers.map((a) => a.activity.type)).toEqual(['message']);
    explainsWhoMayUseIt(cardText(answers[0]));
    await say(team, 'alex@contoso.com', 'check now');
    const invoked = await checkAgain(team, 'alex@contoso.com');
    expect(invoked.botStatus).toBe(200);
    explainsWhoMayUseIt(JSON.stringify(invoked.botResponse));
    expect(harness.checkNowCalls).toHaveLength(calls);
  });

  it('a regular user’s `mute`, `unmute` and `alerts on` change nothing', async () => {
    await say(alexChat, 'alex@contoso.com', 'mute 7d');
    expect((await subscription(alexChat)).mutedUntil).toBeUndefined();
    await say(team, 'alex@contoso.com', 'mute 7d');
    expect((await subscription(team)).mutedUntil).toBeUndefined();

    await say(team, 'admin@contoso.com', 'mute 1h');
    const muted = (await subscription(team)).mutedUntil;
    expect(muted).toBeDefined();
    explainsWhoMayUseIt(cardText((await say(team, 'alex@contoso.com', 'unmute'))[0]));
    expect((await subscription(team)).mutedUntil).toBe(muted);
    await say(team, 'admin@contoso.com', 'unmute');

    explainsWhoMayUseIt(cardText((await say(team, 'alex@contoso.com', 'alerts on'))[0]));
    expect((await subscription(team)).channelAlerts).toBeUndefined();
  });

  it('alerts reach a recognised admin’s chat, not a regular user’s, and no team channel an admin did not choose', async () => {
    const alert = await raise();
    const { receivedBy, status } = await deliver(alert);
    expect(receivedBy).toEqual([adminChat]);
    expect(status[alexChat]).toBe('suppressed');
    expect(status[team]).toBe('suppressed');
  });

  it('a team channel receives alerts once an admin said `alerts on` there, and none after `alerts off`', async () => {
    const on = await say(team, 'admin@contoso.com', 'alerts on');
    expect(on[0]?.activity.text).toMatch(/^Alerts are on in this channel/);
    expect((await subscription(team)).channelAlerts).toMatchObject({
      state: 'on',
      chosenBy: user('admin@contoso.com').id,
      chosenAt: expect.any(String),
    });
    const alert = await raise();
    expect((await deliver(alert)).receivedBy).toEqual([adminChat, team].sort());

    const off = await say(team, 'admin@contoso.com', 'alerts off');
    expect(off[0]?.activity.text).toMatch(/^Alerts are off in this channel/);
    const next = await raise();
    const delivered = await deliver(next);
    expect(delivered.receivedBy).toEqual([adminChat]);
    expect(delivered.status[team]).toBe('suppressed');
    // `alerts on` is a channel's choice: in a personal chat it explains and stores nothing.
    expect(cardText((await say(adminChat, 'admin@contoso.com', 'alerts on'))[0])).toContain('team channel');
    expect((await subscription(adminChat)).channelAlerts).toBeUndefined();
  });

  /** The harness clock runs on from real time, so the wait is at most what the test skipped ahead. */
  const secondsUntilNextCheck = (answer: string) => {
    const match = /The next check can run in (\d+) s/.exec(answer);
    expect(match).not.toBeNull();
    const seconds = Number(match![1]);
    expect(seconds).toBeGreaterThan(0);
    return seconds;
  };

  it('`check` runs once a minute per conversation: a second answers with the last known state and when the next may run', async () => {
    const calls = harness.checkNowCalls.length;
    await say(adminChat, 'admin@contoso.com', 'check');
    expect(harness.checkNowCalls).toHaveLength(calls + 1);

    harness.clock.advance(20_000);
    const again = await say(adminChat, 'admin@contoso.com', 'check');
    expect(harness.checkNowCalls).toHaveLength(calls + 1);
    const answer = cardText(again.find((a) => a.activity.type === 'message'));
    expect(answer).toContain('The Exchange connection is failing');
    expect(secondsUntilNextCheck(answer)).toBeLessThanOrEqual(40);
    const invoked = await checkAgain(adminChat, 'admin@contoso.com');
    expect(secondsUntilNextCheck(JSON.stringify(invoked.botResponse))).toBeLessThanOrEqual(40);
    expect(harness.checkNowCalls).toHaveLength(calls + 1);

    // Another conversation has its own minute.
    await say(team, 'admin@contoso.com', 'check');
    expect(harness.checkNowCalls).toHaveLength(calls + 2);

    harness.clock.advance(40_000);
    await say(adminChat, 'admin@contoso.com', 'check');
    expect(harness.checkNowCalls).toHaveLength(calls + 3);
  });

  it('the bot’s connector tokens come from the shared msal-node provider, for the bot’s app id and tenant', () => {
    expect(harness.botTokenRequests.length).toBeGreaterThan(0);
    for (const request of harness.botTokenRequests) {
      expect(request).toEqual({
        url: `${sandbox.urls.entra}/${sandbox.context.seed.publisher.tenantId}/oauth2/v2.0/token`,
        clientId: sandbox.context.seed.bot.appId,
        scope: 'https://api.botframework.com/.default',
      });
    }
  });

  it('an admin whose last tab visit is older than the recognition window stops counting, until they open the tab again', async () => {
    harness.clock.advance((HARNESS_RECOGNITION_DAYS + 1) * DAY_MS);
    explainsWhoMayUseIt(cardText((await say(adminChat, 'admin@contoso.com', 'status'))[0]));
    const alert = await raise();
    const delivered = await deliver(alert);
    expect(delivered.receivedBy).toEqual([]);
    expect(delivered.status[adminChat]).toBe('suppressed');

    await harness.recognise('admin@contoso.com');
    expect(cardText((await say(adminChat, 'admin@contoso.com', 'status'))[0])).toContain('AADSTS7000229');
    expect((await deliver(await raise())).receivedBy).toEqual([adminChat]);
  });
});
