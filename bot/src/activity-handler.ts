/**
 * The bot's conversation logic. Install (personal or team) subscribes the conversation to its
 * tenant's alerts and greets; removal unsubscribes. Commands answer only about the activity's
 * own tenant, and only in a conversation subscribed for that tenant.
 *
 * Mute is per conversation: one admin silencing their chat must not silence a team channel (or
 * another admin) of the same tenant. Muted conversations still get their deliveries recorded, as
 * suppressed (see notifier.ts).
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
import type { CheckNow, CheckNowOutcome, ConversationDirectory, Logger, StatusReader } from './ports';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  CHECK_AGAIN_VERB,
  cardAttachment,
  type AdaptiveCard,
  type TabLink,
} from './cards/card';
import { helpCard, welcomeCard } from './cards/help-card';
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

export interface AlertBotDeps {
  store: ConversationDirectory;
  readStatus: StatusReader;
  checkNow: CheckNow;
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
      await context.sendActivity({ attachments: [cardAttachment(welcomeCard(this.deps.tab))] });
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

  private async answer(context: TurnContext): Promise<void> {
    // On a copy: removeRecipientMention rewrites the activity's text in place.
    const text = TurnContext.removeRecipientMention({ ...context.activity }) ?? '';
    const command = parseCommand(text);
    const reply = (card: AdaptiveCard) => context.sendActivity({ attachments: [cardAttachment(card)] });
    if (command.name === 'help') return void (await reply(helpCard(this.deps.tab)));
    if (command.name === 'unknown') {
      return void (await reply(helpCard(this.deps.tab, "I didn't understand that. Here is what I can do:")));
    }
    if (command.name === 'invalid') return void (await reply(helpCard(this.deps.tab, command.reason)));

    const subscription = await this.subscriptionOf(context.activity);
    if (!subscription) return void (await context.sendActivity(NOT_SUBSCRIBED));
    const { tenantId, conversationId } = subscription;
    switch (command.name) {
      case 'status':
        await reply(await this.statusCard(subscription));
        return;
      case 'check': {
        await context.sendActivity({ type: ActivityTypes.Typing });
        const note = await this.runChecks(tenantId, this.checkWaitMs());
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
    }
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
    const view = await loadStatusView(
      this.deps.readStatus,
      subscription.tenantId,
      subscription.mutedUntil,
      this.clock(),
    );
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
    const subscription = await this.subscriptionOf(context.activity);
    if (!subscription) {
      return {
        statusCode: 200,
        type: ADAPTIVE_CARD_CONTENT_TYPE,
        value: helpCard(this.deps.tab, NOT_SUBSCRIBED),
      };
    }
    const note = await this.runChecks(subscription.tenantId, this.checkWaitMs());
    return {
      statusCode: 200,
      type: ADAPTIVE_CARD_CONTENT_TYPE,
      value: await this.statusCard(subscription, note),
    };
  }
}
