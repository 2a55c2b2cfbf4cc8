/**
 * Drains the alert outbox into Teams.
 *
 *  1. plan: every alert not yet fanned out gets one pending delivery per conversation subscribed
 *     for its tenant at that moment (idempotent on (alert, conversation));
 *  2. claim: a batch of due deliveries is leased to this notifier (`owner`) in one statement, so
 *     two notifiers sharing the database never hold the same delivery;
 *  3. send and settle: the card goes out through botbuilder, and the delivery is settled right
 *     after, with nothing awaited in between: sent (with the activity id), pending again with
 *     `nextAttemptAt` (429/412/502/504: Retry-After honoured, jittered exponential back-off, so a
 *     restart resumes on schedule), failed, or suppressed (the conversation or tenant is muted:
 *     the outbox keeps the record, nobody is pinged).
 *
 * Delivery is at-least-once. Exactly-once would need Teams to de-duplicate a client-chosen id,
 * which the connector API has no means for. The one window left is a crash between Teams
 * accepting the card and the settle committing (a few milliseconds): then the lease expires and
 * the card goes out again. The window is kept that small by settling immediately, by never
 * starting a send whose lease has less than `sendBudgetMs` left (so a slow send cannot outlive
 * its lease and meet a second notifier), and by giving back unsent leases on stop().
 * A recovery updates the original alert card in place when its activity id is known, which is
 * idempotent, so even that window cannot duplicate a recovery.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import type { ClaimedDelivery, DeliveryOutcome } from '../../api/src/store/health-port';
import type { HealthAlert } from '../../api/src/store/health-types';
import { StoreConflictError } from '../../api/src/store/errors';
import { alertCard, recoveryCard } from './cards/alert-card';
import type { TabLink } from './cards/card';
import { DeliveryError, toDeliveryError, type AlertSender } from './proactive-sender';
import { TeamsRateLimiter } from './rate-limiter';
import type { AlertOutbox, ConversationDirectory, Logger } from './ports';

export interface NotifierOptions {
  /** Deliveries leased per claim. */
  batchSize: number;
  leaseMs: number;
  /** The longest a send may take (botbuilder's own retries included); no send starts with less lease left. */
  sendBudgetMs: number;
  /** Pause between drains when running. */
  pollIntervalMs: number;
  /** A rate-limit wait up to this long is slept through; a longer one reschedules the delivery. */
  maxInlineWaitMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** After this many attempts a still-failing delivery is marked failed. */
  maxAttempts: number;
}

export const DEFAULT_NOTIFIER_OPTIONS: NotifierOptions = {
  batchSize: 10,
  leaseMs: 120_000,
  sendBudgetMs: 60_000,
  pollIntervalMs: 2_000,
  maxInlineWaitMs: 1_000,
  baseBackoffMs: 2_000,
  maxBackoffMs: 300_000,
  maxAttempts: 10,
};

export interface NotifierDeps {
  store: AlertOutbox & ConversationDirectory;
  sender: AlertSender;
  tab: TabLink;
  log: Logger;
  /** Lease owner; unique per process. */
  owner?: string;
  clock?: () => Date;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  limiter?: TeamsRateLimiter;
  options?: Partial<NotifierOptions>;
  /** Called after each delivery is settled (metrics, tests). */
  onSettled?: (claimed: ClaimedDelivery, outcome: DeliveryOutcome) => void;
}

export interface DrainReport {
  planned: number;
  sent: number;
  suppressed: number;
  rescheduled: number;
  failed: number;
  released: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class AlertNotifier {
  readonly owner: string;
  private readonly options: NotifierOptions;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limiter: TeamsRateLimiter;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private draining: Promise<DrainReport> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: NotifierDeps) {
    this.owner = deps.owner ?? `notifier-${randomUUID()}`;
    this.options = { ...DEFAULT_NOTIFIER_OPTIONS, ...deps.options };
    if (this.options.sendBudgetMs >= this.options.leaseMs) {
      throw new RangeError('The notifier lease must be longer than its send budget.');
    }
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? realSleep;
    this.limiter = deps.limiter ?? new TeamsRateLimiter();
  }

  /** Drains now and then every `pollIntervalMs` until stop(). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.drainOnce();
        } catch (error) {
          this.deps.log.error(
            { err: error instanceof Error ? error.message : String(error) },
            'notifier drain failed',
          );
        }
        if (this.stopping) break;
        await Promise.race([
          this.sleep(this.options.pollIntervalMs),
          new Promise<void>((resolve) => (this.wake = resolve)),
        ]);
      }
    })();
  }

  /** Finishes the delivery in flight, gives back the rest of the batch, and resolves when idle. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.draining?.catch(() => undefined);
    this.loop = undefined;
  }

  /** Plans new alerts and delivers everything due, until nothing due is left (or stop()). */
  drainOnce(): Promise<DrainReport> {
    const drain = this.drain();
    this.draining = drain;
    return drain;
  }

  private async drain(): Promise<DrainReport> {
    const report: DrainReport = {
      planned: 0,
      sent: 0,
      suppressed: 0,
      rescheduled: 0,
      failed: 0,
      released: 0,
    };
    report.planned = await this.planNewAlerts();
    while (!this.stopping) {
      const batch = await this.deps.store.claimAlertDeliveries({
        owner: this.owner,
        now: this.clock(),
        leaseMs: this.options.leaseMs,
        limit: this.options.batchSize,
      });
      if (batch.length === 0) break;
      for (const claimed of batch) {
        const outcome = this.stopping ? this.release() : await this.deliver(claimed);
        if (await this.settle(claimed, outcome)) count(report, outcome, this.stopping);
      }
    }
    return report;
  }

  private async planNewAlerts(): Promise<number> {
    let planned = 0;
    for (;;) {
      const alerts = await this.deps.store.listUnplannedAlerts({ limit: 100 });
      if (alerts.length === 0) return planned;
      for (const alert of alerts) {
        const conversations = await this.deps.store.listConversationSubscriptions(alert.tenantId);
        await this.deps.store.planAlertDeliveries(
          alert.id,
          conversations.map((c) => c.conversationId),
          this.clock(),
        );
        planned += 1;
      }
    }
  }

  private release(): DeliveryOutcome {
    return {
      status: 'pending',
      nextAttemptAt: this.clock().toISOString(),
      error: 'released: notifier stopping',
    };
  }

  private async settle(claimed: ClaimedDelivery, outcome: DeliveryOutcome): Promise<boolean> {
    const { delivery } = claimed;
    try {
      await this.deps.store.settleAlertDelivery({
        alertId: delivery.alertId,
        conversationId: delivery.conversationId,
        owner: this.owner,
        outcome,
      });
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      // The lease ran out and someone else holds the delivery now: theirs to settle.
      this.deps.log.warn(
        { alertId: delivery.alertId, conversationId: delivery.conversationId },
        'delivery lease lost',
      );
      return false;
    }
    this.deps.onSettled?.(claimed, outcome);
    return true;
  }

  private async deliver(claimed: ClaimedDelivery): Promise<DeliveryOutcome> {
    const { delivery, alert } = claimed;
    const subscription = await this.deps.store.getConversationSubscription(
      delivery.tenantId,
      delivery.conversationId,
    );
    if (!subscription || subscription.removedAt)
      return { status: 'failed', error: 'dropped: conversation unsubscribed' };
    const nowMs = this.clock().getTime();
    const muted = [subscription.mutedUntil, claimed.mutedUntil].some(
      (u) => u !== undefined && Date.parse(u) > nowMs,
    );
    if (muted) return { status: 'suppressed' };

    const admitted = await this.admit(claimed);
    if (admitted !== true) return admitted;

    const reference = subscription.reference as Partial<ConversationReference>;
    try {
      const activityId = await this.post(alert, delivery.conversationId, reference);
      return { status: 'sent', activityId };
    } catch (caught) {
      return this.afterFailure(claimed, toDeliveryError(caught, this.clock().getTime()));
    }
  }

  /** Waits for a rate-limit slot and a safe lease; otherwise the outcome that defers the delivery. */
  private async admit(claimed: ClaimedDelivery): Promise<true | DeliveryOutcome> {
    const { delivery } = claimed;
    for (;;) {
      const nowMs = this.clock().getTime();
      const leaseLeft = Date.parse(delivery.leaseExpiresAt ?? '') - nowMs;
      if (!(leaseLeft > this.options.sendBudgetMs)) return this.release();
      const waitMs = this.limiter.tryAcquire(delivery.tenantId, delivery.conversationId, nowMs);
      if (waitMs === 0) return true;
      if (waitMs > this.options.maxInlineWaitMs) {
        return {
          status: 'pending',
          nextAttemptAt: new Date(nowMs + waitMs).toISOString(),
          error: 'client-side Teams rate limit',
        };
      }
      await this.sleep(waitMs);
    }
  }

  /** A recovery closes the incident: its card replaces the original alert's card when that was sent here. */
  private async post(
    alert: HealthAlert,
    conversationId: string,
    reference: Partial<ConversationReference>,
  ): Promise<string> {
    const { sender, tab } = this.deps;
    if (alert.kind !== 'recovered') return sender.send(reference, alertCard(alert, tab));
    const incident = await this.openIncident(alert);
    const original = incident
      ? (await this.deps.store.listAlertDeliveries(alert.tenantId, incident.id)).find(
          (d) => d.conversationId === conversationId && d.status === 'sent' && d.sentActivityId,
        )?.sentActivityId
      : undefined;
    const card = recoveryCard(alert, tab, incident);
    if (!original) return sender.send(reference, card);
    try {
      await sender.update(reference, original, card);
      return original;
    } catch (error) {
      // The original card was deleted: post the recovery instead.
      if (error instanceof DeliveryError && error.kind === 'rejected' && error.statusCode === 404) {
        return sender.send(reference, card);
      }
      throw error;
    }
  }

  /** The failing/degraded alert this recovery ends: the newest one before it, unless a recovery came between. */
  private async openIncident(recovery: HealthAlert): Promise<HealthAlert | undefined> {
    const alerts = await this.deps.store.listAlerts(recovery.tenantId, { limit: 50 });
    const earlier = alerts.filter(
      (a) =>
        a.id !== recovery.id &&
        a.integrationId === recovery.integrationId &&
        a.createdAt <= recovery.createdAt,
    );
    for (const alert of earlier) {
      if (alert.kind === 'recovered') return undefined;
      if (alert.kind === 'failing' || alert.kind === 'degraded') return alert;
    }
    return undefined;
  }

  private async afterFailure(claimed: ClaimedDelivery, error: DeliveryError): Promise<DeliveryOutcome> {
    const { delivery } = claimed;
    const detail = `${error.statusCode ?? 'no response'} ${error.code ?? ''} ${error.message}`.trim();
    switch (error.kind) {
      case 'not_in_conversation':
        await this.deps.store.removeConversationSubscription(
          delivery.tenantId,
          delivery.conversationId,
          this.clock(),
        );
        this.deps.log.info(
          { tenantId: delivery.tenantId, conversationId: delivery.conversationId, code: error.code },
          'bot no longer in the conversation: unsubscribed',
        );
        return { status: 'failed', error: `dropped: ${detail}` };
      case 'rejected':
        return { status: 'failed', error: detail };
      case 'retryable': {
        if (delivery.attempts >= this.options.maxAttempts)
          return { status: 'failed', error: `gave up: ${detail}` };
        const delayMs = this.backoffMs(delivery.attempts, error.retryAfterMs);
        return {
          status: 'pending',
          nextAttemptAt: new Date(this.clock().getTime() + delayMs).toISOString(),
          error: detail,
        };
      }
    }
  }

  /** Exponential in the attempts, never sooner than Retry-After, plus up to 25 % jitter so retries spread out. */
  backoffMs(attempts: number, retryAfterMs?: number): number {
    const exponential = Math.min(
      this.options.maxBackoffMs,
      this.options.baseBackoffMs * 2 ** Math.max(0, attempts - 1),
    );
    const base = Math.max(retryAfterMs ?? 0, exponential);
    return Math.round(base * (1 + 0.25 * this.random()));
  }
}

function count(report: DrainReport, outcome: DeliveryOutcome, stopping: boolean): void {
  switch (outcome.status) {
    case 'sent':
      report.sent += 1;
      return;
    case 'suppressed':
      report.suppressed += 1;
      return;
    case 'failed':
      report.failed += 1;
      return;
    case 'pending':
      if (stopping || outcome.error.startsWith('released')) report.released += 1;
      else report.rescheduled += 1;
  }
}
