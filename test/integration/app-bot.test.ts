/**
 * The composed app's alert bot: the same process that serves the tab receives the bot's
 * activities, runs the health checks and drains the outbox to the Teams conversations, for the
 * Global Admins the tab's API saw (GET /api/me, GET /api/integration).
 */
import type { HealthView } from '../../api/src/http/contract';
import { startAppUnderTest, type AppUnderTest } from '../support/app-under-test';
import { httpsJson } from '../support/sandbox';

interface FeedEntry {
  seq: number;
  conversationId: string;
  operation: string;
  activity: { text?: string; attachments?: { contentType: string; content: unknown }[] };
}

let env: AppUnderTest;
beforeAll(async () => {
  env = await startAppUnderTest();
});
afterAll(() => env.close());

const CONTOSO = '03017f7d-a934-418b-85f8-86d47d2aa0d0';

async function feed(): Promise<FeedEntry[]> {
  return (await env.sandbox.control<{ value: FeedEntry[] }>('GET', '/connector/activities')).body.value;
}

/** Waits (bounded) until the bot posted something matching; the notifier drains in the background. */
async function eventually(match: (entries: FeedEntry[]) => boolean, what: string): Promise<FeedEntry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entries = await feed();
    if (match(entries)) return entries;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(entries, null, 1)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cardText = (e: FeedEntry) => JSON.stringify(e.activity.attachments ?? []);
/** A failing alert by its headline (the recovery card quotes the incident's code, not its headline). */
// The alert card itself (red band), not the recovery that names the incident it closes.
const isFailingAlert = (e: FeedEntry) =>
  cardText(e).includes('"style":"attention"') &&
  cardText(e).includes('"text":"Exchange connection failing') &&
  cardText(e).includes('AADSTS700016');

describe('the alert bot in the app process', () => {
  let conversationId: string;
  let alexChat: string;
  const userId = (upn: string) => env.sandbox.context.directory.findUser(upn)!.user.id;

  it('records the Global Admins whose SSO token reaches GET /api/me or GET /api/integration, and no one else', async () => {
    const { store } = env.app.graph;
    expect((await env.call('alex@contoso.com', 'GET', '/api/me')).status).toBe(200);
    expect(await store.getAdminSighting(CONTOSO, userId('alex@contoso.com'))).toBeUndefined();
    expect((await env.call('alex@contoso.com', 'GET', '/api/integration')).status).toBe(403);
    expect(await store.getAdminSighting(CONTOSO, userId('alex@contoso.com'))).toBeUndefined();

    expect((await env.call('admin@contoso.com', 'GET', '/api/me')).status).toBe(200);
    expect(await store.getAdminSighting(CONTOSO, userId('admin@contoso.com'))).toMatchObject({
      upn: 'admin@contoso.com',
    });
    expect((await env.call('admin.nomailbox@contoso.com', 'GET', '/api/integration')).status).toBe(200);
    expect(await store.getAdminSighting(CONTOSO, userId('admin.nomailbox@contoso.com'))).toMatchObject({
      upn: 'admin.nomailbox@contoso.com',
    });
  });

  it('greets an admin who installs it, and stores the subscription', async () => {
    const installed = await env.sandbox.control<{
      conversationId: string;
      deliveries: { activityType: string; status: number }[];
    }>('POST', '/connector/install', {
      upn: 'admin@contoso.com',
      scope: 'personal',
    });
    expect(installed.status).toBe(200);
    expect(installed.body.deliveries.map((d) => [d.activityType, d.status])).toEqual([
      ['installationUpdate', 200],
      ['conversationUpdate', 200],
    ]);
    conversationId = installed.body.conversationId;
    await eventually((e) => e.some((x) => x.conversationId === conversationId), 'the greeting');
  });

  it('installs the bot for a user who opens the app in the Teams host', async () => {
    const openApp = () =>
      httpsJson<string>(env.sandbox.agent, `${env.sandbox.urls.home}/?user=admin%40fabrikam.com`);
    expect((await openApp()).status).toBe(200);
    const greeted = await eventually(
      (e) => e.some((x) => x.conversationId !== conversationId),
      'the greeting in the Fabrikam admin’s chat',
    );
    const fabrikamChat = greeted.find((x) => x.conversationId !== conversationId)!.conversationId;
    expect((await openApp()).status).toBe(200);
    const conversations = await env.sandbox.control<{
      value: { id: string; members: string[]; botInRoster: boolean }[];
    }>('GET', '/connector/conversations');
    const fabrikamChats = conversations.body.value.filter((c) => c.members.includes('admin@fabrikam.com'));
    expect(fabrikamChats).toEqual([expect.objectContaining({ id: fabrikamChat, botInRoster: true })]);
  });

  it('alerts once when consent is revoked, and once when it is back', async () => {
    // A regular user's chat, which receives no alerts.
    alexChat = (
      await env.sandbox.control<{ conversationId: string }>('POST', '/connector/install', {
        upn: 'alex@contoso.com',
        scope: 'personal',
      })
    ).body.conversationId;
    expect(await env.connectModern('admin@contoso.com')).toMatchObject({ outcome: 'verified' });
    const before = (await feed()).length;

    await env.sandbox.control('DELETE', `/entra/consent/${CONTOSO}`);
    const first = await env.call<HealthView>('admin@contoso.com', 'POST', '/api/integration/health/check');
    expect(first.body.checks.find((c) => c.check === 'token')).toMatchObject({
      status: 'fail',
      code: 'AADSTS700016',
    });
    const second = await env.call<HealthView>('admin@contoso.com', 'POST', '/api/integration/health/check');
    expect(second.body.state).toBe('failing');

    const alerted = await eventually((e) => e.slice(before).some(isFailingAlert), 'the failing alert');
    expect(alerted.slice(before).filter(isFailingAlert)).toHaveLength(1);

    await env.sandbox.control('POST', '/entra/consent', { tenant: CONTOSO });
    const healthy = await env.call<HealthView>('admin@contoso.com', 'POST', '/api/integration/health/check');
    expect(healthy.body.state).toBe('healthy');
    const recovered = await eventually(
      (e) => e.slice(before).some((x) => cardText(x).includes('Exchange connection recovered')),
      'the recovery card',
    );
    expect(
      recovered.slice(before).filter((x) => cardText(x).includes('Exchange connection recovered')),
    ).toHaveLength(1);
    // Counted again on the final feed: a duplicate failing card arriving late fails here too.
    expect(recovered.slice(before).filter(isFailingAlert)).toHaveLength(1);
    // Contoso's alerts reach the Contoso admin's chat only: never the Fabrikam admin's, nor alex's
    // (a regular user: the tab never saw a Global Admin token of theirs).
    expect(recovered.slice(before).every((x) => x.conversationId === conversationId)).toBe(true);
    expect(recovered.slice(before).some((x) => x.conversationId === alexChat)).toBe(false);
  });
});
