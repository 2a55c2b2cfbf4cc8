/**
 * The bot's conversation logic. Install (personal or team) subscribes the conversation to its
 * tenant's alerts and greets; removal unsubscribes. Commands answer only about the activity's
 * own tenant, and only in a conversation subscribed for that tenant.
 *
 * The bot serves admins: `status`, `check` (and "Check again"), `mute`, `unmute` and `alerts
 * on|off` answer only a sender the recognised admins port knows (a Global Administrator who opened
 * the tab recently, see api/src/identity/admin-recognition.ts); anyone else gets a polite
 * explanation and nothing runs or changes. `help` answers everyone.
 *
 * Mute is per conversation: one admin silencing their chat must not silence a team channel (or
 * another admin) of the same tenant. Muted conversations still get their deliveries recorded, as
 * suppressed (see notifier.ts). A team channel receives alerts only after an admin said `alerts on`
 * there. `check` runs at most once per CHECK_INTERVAL_MS per conversation (each one costs token
 * requests and Exchange calls); the slot is kept in the store, so every instance honours it.
 */
import {
  ActivityTypes,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ChannelAccount,
} from 'botbuilder';
import type { ConversationSubscription } from '../../api/src/store/conversation-types';
import type { JsonObject } from '../../api/src/store/types';
import type {
  CheckNow,
  CheckNowOutcome,
  ConversationDirectory,
  Logger,
  RecognisedAdmins,
  StatusReader,
} from './ports';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  CHECK_AGAIN_VERB,
  cardAttachment,
  type AdaptiveCard,
  type TabLink,
} from './cards/card';
import { helpCard, notAnAdminCard, welcomeCard } from './cards/help-card';
import { statusCard } from './cards/status-card';
import { parseCommand } from './commands';
import { loadStatusView } from './status-view';
import { tenantOf } from './tenant';

function noteFor(outcome: CheckNowOutcome): string | undefined {
  switch (outcome.status) {
    case 'checked':
    case 'not_connected':
      return undefined;
    case 'busy':
      return 'A check is already running; this is the last known state.';
    case 'throttled':
      return `Exchange asked us to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s before checking again; this is the last known state.`;
  }
}

/** One `check` per conversation in this window; a second answers with the last known state. */
export const CHECK_INTERVAL_MS = 60_000;

function waitNote(nextCheckAt: string | undefined, now: Date): string {
  const seconds = nextCheckAt ? Math.ceil((Date.parse(nextCheckAt) - now.getTime()) / 1000) : undefined;
  const next = seconds && seconds > 0 ? ` The next check can run in ${seconds} s.` : '';
  return `A check ran from this conversation within the last minute; this is the last known state.${next}`;
}

export interface AlertBotDeps {
  store: ConversationDirectory;
  readStatus: StatusReader;
  checkNow: CheckNow;
  admins: RecognisedAdmins;
  tab: TabLink;
  log: Logger;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long `check` and "Check again" wait for the checks before answering with the state as it is (Teams waits ~10 s). */
  checkAgainWaitMs?: number;
}

const NOT_SUBSCRIBED =
  'I am not set up for your organisation in this conversation. Remove me and add me again, then try once more.';

function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

export class AlertBot extends TeamsActivityHandler {
  private readonly clock: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: AlertBotDeps) {
    super();
    this.clock = deps.clock ?? (() => new Date());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));

    this.onInstallationUpdateAdd(async (context, next) => {
      await this.subscribe(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.unsubscribe(context);
      await next();
    });
    this.onConversationUpdate(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const isBot = (members: ChannelAccount[] | undefined) => (members ?? []).some((m) => m.id === botId);
      if (isBot(context.activity.membersAdded)) await this.subscribe(context);
      if (isBot(context.activity.membersRemoved)) await this.unsubscribe(context);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
  }

  /** Stores the reference durably; greets only when the conversation was not subscribed already. */
  private async subscribe(context: TurnContext): Promise<void> {
    const { activity } = context;
    const tenantId = tenantOf(activity);
    if (!tenantId) {
      this.deps.log.warn(
        { conversationId: activity.conversation?.id },
        'install without a consistent tenant: ignored',
      );
      return;
    }
    const conversationId = activity.conversation.id;
    const before = await this.deps.store.getConversationSubscription(tenantId, conversationId);
    await this.deps.store.saveConversationSubscription({
      conversationId,
      tenantId,
      scope: activity.conversation.conversationType === 'personal' ? 'personal' : 'team',
      reference: toJson(TurnContext.getConversationReference(activity)),
      installedBy: activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown',
    });
    if (!before || before.removedAt) {
      this.deps.log.info({ tenantId, conversationId }, 'bot installed: conversation subscribed');
      const scope = activity.conversation.conversationType === 'personal' ? 'personal' : 'team';
      await context.sendActivity({
        attachments: [cardAttachment(welcomeCard(this.deps.tab, this.deps.admins, scope))],
      });
    }
  }

  private async unsubscribe(context: TurnContext): Promise<void> {
    const tenantId = tenantOf(context.activity);
    if (!tenantId) return;
    const removed = await this.deps.store.removeConversationSubscription(
      tenantId,
      context.activity.conversation.id,
      this.clock(),
    );
    if (removed)
      this.deps.log.info(
        { tenantId, conversationId: context.activity.conversation.id },
        'bot removed: conversation unsubscribed',
      );
  }

  /** The conversation's subscription, only if it belongs to the tenant the activity speaks for. */
  private async subscriptionOf(activity: Activity): Promise<ConversationSubscription | undefined> {
    const tenantId = tenantOf(activity);
    if (!tenantId) return undefined;
    const subscription = await this.deps.store.getConversationSubscription(
      tenantId,
      activity.conversation.id,
    );
    return subscription && !subscription.removedAt ? subscription : undefined;
  }

  /** The sender's object id if they are a recognised admin of the subscription's tenant. */
  private async adminSending(
    activity: Activity,
    subscription: ConversationSubscription,
  ): Promise<string | undefined> {
    const oid = activity.from?.aadObjectId;
    return oid && (await this.deps.admins.isRecognised(subscription.tenantId, oid)) ? oid : undefined;
  }

  /**
   * `check` and "Check again": runs the checks if this conversation's slot is free (after
   * `beforeRun`), else runs nothing. The note for the status card either way.
   */
  private async checkIfDue(
    subscription: ConversationSubscription,
    beforeRun: () => Promise<unknown> = async () => undefined,
  ): Promise<string | undefined> {
    const now = this.clock();
    const slot = await this.deps.store.takeCheckSlot(
      subscription.tenantId,
      subscription.conversationId,
      now,
      CHECK_INTERVAL_MS,
    );
    if (!slot.taken) return waitNote(slot.nextCheckAt, now);
    await beforeRun();
    return this.runChecks(subscription.tenantId, this.checkWaitMs());
  }

  private async answer(context: TurnContext): Promise<void> {
    // On a copy: removeRecipientMention rewrites the activity's text in place.
    const text = TurnContext.removeRecipientMention({ ...context.activity }) ?? '';
    const command = parseCommand(text);
    const { tab, admins } = this.deps;
    const reply = (card: AdaptiveCard) => context.sendActivity({ attachments: [cardAttachment(card)] });
    if (command.name === 'help') return void (await reply(helpCard(tab, admins)));
    if (command.name === 'unknown') {
      return void (await reply(helpCard(tab, admins, "I didn't understand that. Here is what I can do:")));
    }
    if (command.name === 'invalid') return void (await reply(helpCard(tab, admins, command.reason)));

    const subscription = await this.subscriptionOf(context.activity);
    if (!subscription) return void (await context.sendActivity(NOT_SUBSCRIBED));
    const admin = await this.adminSending(context.activity, subscription);
    if (!admin) return void (await reply(notAnAdminCard(tab, admins)));
    const { tenantId, conversationId } = subscription;
    switch (command.name) {
      case 'status':
        await reply(await this.statusCard(subscription));
        return;
      case 'check': {
        const note = await this.checkIfDue(subscription, () =>
          context.sendActivity({ type: ActivityTypes.Typing }),
        );
        await reply(await this.statusCard(subscription, note));
        return;
      }
      case 'mute': {
        const until = new Date(this.clock().getTime() + command.durationMs).toISOString();
        await this.deps.store.setConversationMute(tenantId, conversationId, until);
        await context.sendActivity(
          `Muted: no alerts in this conversation until ${until.slice(0, 16).replace('T', ' ')} UTC. Say \`unmute\` to hear them again.`,
        );
        return;
      }
      case 'unmute':
        await this.deps.store.setConversationMute(tenantId, conversationId, undefined);
        await context.sendActivity('Unmuted: alerts will be posted in this conversation again.');
        return;
      case 'alerts':
        await this.chooseChannelAlerts(context, subscription, { state: command.state, chosenBy: admin });
        return;
    }
  }

  /** `alerts on|off`: a team channel's choice, stored with the admin who made it. */
  private async chooseChannelAlerts(
    context: TurnContext,
    subscription: ConversationSubscription,
    { state, chosenBy }: { state: 'on' | 'off'; chosenBy: string },
  ): Promise<void> {
    if (subscription.scope === 'personal') {
      await context.sendActivity(
        '`alerts on` and `alerts off` choose a team channel for the alerts. Here in your personal chat, alerts arrive while you are a recognised Global Administrator; say `mute 24h` to pause them.',
      );
      return;
    }
    await this.deps.store.setChannelAlerts(subscription.tenantId, subscription.conversationId, {
      state,
      chosenBy,
      chosenAt: this.clock().toISOString(),
    });
    this.deps.log.info(
      { tenantId: subscription.tenantId, conversationId: subscription.conversationId, state, chosenBy },
      'channel alerts chosen',
    );
    await context.sendActivity(
      state === 'on'
        ? 'Alerts are on in this channel: I will post here when the Exchange connection’s health changes. Say `alerts off` to stop.'
        : 'Alerts are off in this channel. A Global Administrator can say `alerts on` here to have them again.',
    );
  }

  /** Teams waits about 10 s for an answer: answer with the last known state rather than time out. */
  private checkWaitMs(): number {
    return this.deps.checkAgainWaitMs ?? 8_000;
  }

  /** Runs the checks; a note for the card when they failed to run or are still running. */
  private async runChecks(tenantId: string, waitMs: number): Promise<string | undefined> {
    const run = this.deps.checkNow(tenantId).then(
      (outcome) => noteFor(outcome),
      (error: unknown) => {
        this.deps.log.warn(
          { tenantId, err: error instanceof Error ? error.message : String(error) },
          'check now failed',
        );
        return 'The checks could not run just now; this is the last known state.';
      },
    );
    const timeout = this.sleep(waitMs).then(
      () => 'The checks are still running; this is the last known state.',
    );
    return Promise.race([run, timeout]);
  }

  private async statusCard(subscription: ConversationSubscription, note?: string): Promise<AdaptiveCard> {
    const view = await loadStatusView(this.deps.readStatus, subscription, this.clock());
    return statusCard({ ...view, ...(note ? { note } : {}) }, this.deps.tab);
  }

  /** "Check again" (Action.Execute): runs the checks and answers with a refreshed card in place. */
  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (invokeValue.action?.verb !== CHECK_AGAIN_VERB) {
      return {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: `Unknown verb ${invokeValue.action?.verb}` },
      };
    }
    const card = (value: AdaptiveCard): AdaptiveCardInvokeResponse => ({
      statusCode: 200,
      type: ADAPTIVE_CARD_CONTENT_TYPE,
      value,
    });
    const subscription = await this.subscriptionOf(context.activity);
    if (!subscription) return card(helpCard(this.deps.tab, this.deps.admins, NOT_SUBSCRIBED));
    if (!(await this.adminSending(context.activity, subscription))) {
      return card(notAnAdminCard(this.deps.tab, this.deps.admins));
    }
    return card(await this.statusCard(subscription, await this.checkIfDue(subscription)));
  }
}
