/**
 * Drains the alert outbox into Teams, in parallel across conversations and in order within each.
 *
 *  1. plan: every alert not yet fanned out gets one pending delivery per conversation subscribed
 *     for its tenant at that moment (idempotent on (alert, conversation));
 *  2. claim: the store leases the next delivery of each conversation that has none leased
 *     (`claimNextDeliveryPerConversation`), so every notifier sharing the database sends one
 *     conversation's deliveries one at a time and in plan order, and a delivery rescheduled to later
 *     holds back its own conversation only. Claims keep `concurrency` deliveries going (and up to a
 *     batch more waiting for a slot), and leave out tenants whose client-side rate limit
 *     (TeamsRateLimiter) is full right now, so a busy tenant never crowds out the others;
 *  3. send and settle: each delivery takes its conversation's and tenant's rate-limit slot (a wait
 *     up to `maxInlineWaitMs` is slept through without holding a concurrency slot; a longer one
 *     reschedules it), goes out through botbuilder (whose own retries are off: adapter.ts), and is
 *     settled right after, with nothing awaited in between: sent (with the activity id), pending
 *     again with `nextAttemptAt` (429/412/502/504: the Retry-After as given, else exponential
 *     back-off, both jittered; durable, so a restart resumes on schedule), failed, or suppressed
 *     (the conversation or tenant is muted: the outbox keeps the record, nobody is pinged).
 *
 * Delivery is exactly once per (alert, conversation) except for one window, so it is at-least-once.
 * Exactly-once would need Teams to de-duplicate a client-chosen id, which the connector API has no
 * means for. The window is a process dying between Teams accepting the card and the settle committing
 * (a few milliseconds; the lease then expires and the card goes out again), or a send outliving its
 * lease (botbuilder sets no request timeout; the lease outlasts the send budget by leaseMs −
 * sendBudgetMs). It is kept that small by settling immediately; by never starting a send whose
 * lease has less than `sendBudgetMs` left, where a send is now a single HTTP request (botbuilder no
 * longer sleeps on a 429 inside it); and by finishing the sends in flight and giving back every
 * unsent lease on stop().
 * A notifier that dies after claiming but before sending loses only its leases: nothing was sent, and
 * whoever claims after expiry sends once. A recovery updates the original alert card in place when its
 * activity id is known, which is idempotent, so even that window cannot duplicate a recovery.
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
  /** Deliveries in progress at once (sending or about to), each to a different conversation. */
  concurrency: number;
  /** The most deliveries leased per claim. */
  batchSize: number;
  leaseMs: number;
  /** The longest a send may take; no send starts with less lease left. */
  sendBudgetMs: number;
  /** Pause between drains when running (sooner when a rescheduled delivery comes due). */
  pollIntervalMs: number;
  /** A rate-limit wait up to this long is slept through; a longer one reschedules the delivery. */
  maxInlineWaitMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** After this many attempts a still-failing delivery is marked failed. */
  maxAttempts: number;
}

export const DEFAULT_NOTIFIER_OPTIONS: NotifierOptions = {
  concurrency: 16,
  batchSize: 16,
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

/** Retry times remembered for waking up; beyond that the poll interval finds them. */
const MAX_DUE_TIMES = 10_000;

/** Recovery → incident lookups kept; alerts never change, so entries never go stale. */
const INCIDENT_CACHE_SIZE = 256;

/** Counting slots, handed out first come first served. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  /** Slots nobody waits for. */
  get spare(): number {
    return this.waiting.length > 0 ? 0 : this.free;
  }
  async take(): Promise<void> {
    if (this.spare > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** One drain's bookkeeping: deliveries in progress, what they wait for, and a change signal. */
class Drain {
  readonly report: DrainReport = {
    planned: 0,
    sent: 0,
    suppressed: 0,
    rescheduled: 0,
    failed: 0,
    released: 0,
  };
  readonly tasks = new Set<Promise<void>>();
  readonly slots: Slots;
  /** Per tenant: deliveries in progress that have not yet taken (or given up on) a rate-limit slot. */
  readonly unadmitted = new Map<string, number>();
  failure: { error: unknown } | undefined;
  version = 0;
  private wake: (() => void) | undefined;

  constructor(concurrency: number) {
    this.slots = new Slots(concurrency);
  }

  /** Something changed that may let the pump claim more. */
  changed(): void {
    this.version += 1;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
  nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }
  admitting(tenantId: string, delta: 1 | -1): void {
    const count = (this.unadmitted.get(tenantId) ?? 0) + delta;
    if (count > 0) this.unadmitted.set(tenantId, count);
    else this.unadmitted.delete(tenantId);
  }
}

export class AlertNotifier {
  readonly owner: string;
  private readonly options: NotifierOptions;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limiter: TeamsRateLimiter;
  private readonly incidents = new Map<string, Promise<HealthAlert | undefined>>();
  private stopping = false;
  /** Waits that stop() ends early (removed when they end, so a long-running loop keeps none). */
  private readonly onStop = new Set<() => void>();
  private loop: Promise<void> | undefined;
  private readonly drains = new Set<Promise<DrainReport>>();
  /** Retries this process scheduled, so the loop wakes when one comes due instead of polling. */
  private dueTimes: number[] = [];

  constructor(private readonly deps: NotifierDeps) {
    this.owner = deps.owner ?? `notifier-${randomUUID()}`;
    this.options = { ...DEFAULT_NOTIFIER_OPTIONS, ...deps.options };
    if (this.options.sendBudgetMs >= this.options.leaseMs) {
      throw new RangeError('The notifier lease must be longer than its send budget.');
    }
    for (const name of ['concurrency', 'batchSize'] as const) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`The notifier's ${name} must be a positive integer: ${value}`);
      }
    }
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? realSleep;
    this.limiter = deps.limiter ?? new TeamsRateLimiter();
  }

  /** Drains now and then whenever a retry comes due, at least every `pollIntervalMs`, until stop(). */
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
        // What came due before now went out in that drain (or waits for its tenant's window there).
        const nowMs = this.clock().getTime();
        this.dueTimes = this.dueTimes.filter((t) => t > nowMs);
        const dueInMs = Math.min(...this.dueTimes) - nowMs;
        await this.pause(Math.max(0, Math.min(this.options.pollIntervalMs, dueInMs)));
      }
    })();
  }

  /** Finishes the sends in flight, gives back every other lease, and resolves when idle. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.onStop]) wake();
    await this.loop;
    await Promise.allSettled([...this.drains]);
    this.loop = undefined;
  }

  /** Plans new alerts and delivers everything due, until nothing due is left (or stop()). */
  drainOnce(): Promise<DrainReport> {
    const drain = this.drain();
    this.drains.add(drain);
    void drain.finally(() => this.drains.delete(drain)).catch(() => undefined);
    return drain;
  }

  /** Sleeps, or waits for `also`, whichever ends first; stop() ends it at once. */
  private pause(ms: number | undefined, also?: Promise<void>): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.onStop.delete(done);
        resolve();
      };
      this.onStop.add(done);
      if (ms !== undefined) void this.sleep(ms).then(done);
      void also?.then(done);
    });
  }

  /**
   * The pump: whenever a slot is spare, claims up to a batch of next deliveries (at most
   * `concurrency + batchSize` held), starts each as its own task that waits for a slot, and claims
   * again when a task frees one (its conversation's next delivery may be due now).
   */
  private async drain(): Promise<DrainReport> {
    const drain = new Drain(this.options.concurrency);
    drain.report.planned = await this.planNewAlerts();
    const maxHeld = this.options.concurrency + this.options.batchSize;
    try {
      while (!this.stopping && !drain.failure) {
        const seen = drain.version;
        const room = drain.slots.spare > 0 ? Math.min(this.options.batchSize, maxHeld - drain.tasks.size) : 0;
        let skip: TenantsToSkip = { tenants: [] };
        if (room > 0) {
          skip = this.tenantsToSkip(drain);
          const batch = await this.deps.store.claimNextDeliveryPerConversation({
            owner: this.owner,
            now: this.clock(),
            leaseMs: this.options.leaseMs,
            limit: room,
            skipTenants: skip.tenants,
          });
          for (const claimed of batch) this.begin(drain, claimed);
          if (batch.length === room) continue;
        }
        if (drain.tasks.size === 0) {
          // Nothing due, nothing in progress: done, unless tenants were left out for their rate limit.
          if (skip.retryInMs === undefined) break;
          await this.pause(skip.retryInMs);
          continue;
        }
        // A task finishing (or going to sleep) frees a slot; a skipped tenant's window frees with time.
        if (drain.version === seen) await this.pause(skip.retryInMs, drain.nextChange());
      }
    } catch (error) {
      drain.failure ??= { error };
    }
    await Promise.all(drain.tasks);
    if (drain.failure) throw drain.failure.error;
    return drain.report;
  }

  /**
   * Tenants whose rate-limit windows have no room left for another send, counting the deliveries
   * about to take one (those free up by a change the pump hears; a full window, with time).
   */
  private tenantsToSkip(drain: Drain): TenantsToSkip {
    const nowMs = this.clock().getTime();
    const skip: TenantsToSkip = { tenants: [] };
    for (const tenantId of this.limiter.recentTenants(nowMs)) {
      const { room, freesInMs } = this.limiter.tenantRoom(tenantId, nowMs);
      if (room - (drain.unadmitted.get(tenantId) ?? 0) > 0) continue;
      skip.tenants.push(tenantId);
      if (room === 0) skip.retryInMs = Math.min(skip.retryInMs ?? Infinity, freesInMs);
    }
    return skip;
  }

  private begin(drain: Drain, claimed: ClaimedDelivery): void {
    drain.admitting(claimed.delivery.tenantId, 1);
    const task = (async () => {
      await drain.slots.take();
      try {
        await this.run(drain, claimed);
      } finally {
        drain.slots.give();
      }
    })().finally(() => {
      drain.tasks.delete(task);
      drain.changed();
    });
    drain.tasks.add(task);
  }

  /** One delivery, start to settle; never rejects (an unexpected failure ends the drain after the others). */
  private async run(drain: Drain, claimed: ClaimedDelivery): Promise<void> {
    try {
      const outcome = await this.deliver(drain, claimed);
      if (await this.settle(claimed, outcome)) count(drain.report, outcome, this.stopping);
    } catch (error) {
      drain.failure ??= { error };
      this.deps.log.error(
        {
          alertId: claimed.delivery.alertId,
          conversationId: claimed.delivery.conversationId,
          err: error instanceof Error ? error.message : String(error),
        },
        'delivery failed unexpectedly: its lease will expire',
      );
    }
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
    if (outcome.status === 'pending' && this.dueTimes.length < MAX_DUE_TIMES) {
      this.dueTimes.push(Date.parse(outcome.nextAttemptAt));
    }
    this.deps.onSettled?.(claimed, outcome);
    return true;
  }

  private async deliver(drain: Drain, claimed: ClaimedDelivery): Promise<DeliveryOutcome> {
    const { delivery, alert } = claimed;
    let admitted: Admitted | DeliveryOutcome;
    let reference: Partial<ConversationReference>;
    let original: { incident: HealthAlert; activityId: string } | undefined;
    try {
      if (this.stopping) return this.release();
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
      // A recovery is news only where its incident was told: elsewhere it is suppressed.
      if (alert.kind === 'recovered') {
        original = await this.originalCardOf(alert, delivery.conversationId);
        if (!original) return { status: 'suppressed' };
      }
      reference = subscription.reference as Partial<ConversationReference>;
      admitted = await this.admit(drain, claimed);
    } finally {
      drain.admitting(delivery.tenantId, -1);
      drain.changed();
    }
    if (!('atMs' in admitted)) return admitted;

    try {
      const activityId = await this.post(alert, reference, original);
      return { status: 'sent', activityId };
    } catch (caught) {
      const error = toDeliveryError(caught, this.clock().getTime());
      if (error.statusCode === 429)
        this.limiter.refund(delivery.tenantId, delivery.conversationId, admitted.atMs);
      return this.afterFailure(claimed, error);
    }
  }

  /**
   * Takes a rate-limit slot with a safe lease left; otherwise the outcome that defers the delivery.
   * A short wait gives the concurrency slot back while sleeping, so other conversations go on.
   */
  private async admit(drain: Drain, claimed: ClaimedDelivery): Promise<Admitted | DeliveryOutcome> {
    const { delivery } = claimed;
    for (;;) {
      if (this.stopping) return this.release();
      const nowMs = this.clock().getTime();
      const leaseLeft = Date.parse(delivery.leaseExpiresAt ?? '') - nowMs;
      if (!(leaseLeft > this.options.sendBudgetMs)) return this.release();
      const waitMs = this.limiter.tryAcquire(delivery.tenantId, delivery.conversationId, nowMs);
      if (waitMs === 0) return { atMs: nowMs };
      if (waitMs > this.options.maxInlineWaitMs) {
        return {
          status: 'pending',
          nextAttemptAt: new Date(nowMs + waitMs).toISOString(),
          error: 'client-side Teams rate limit',
        };
      }
      drain.slots.give();
      drain.changed();
      await this.pause(waitMs);
      await drain.slots.take();
    }
  }

  /** The incident a recovery closes and its card in this conversation, if that card was sent here. */
  private async originalCardOf(
    recovery: HealthAlert,
    conversationId: string,
  ): Promise<{ incident: HealthAlert; activityId: string } | undefined> {
    const incident = await this.incidentClosedBy(recovery);
    if (!incident) return undefined;
    const activityId = await this.deps.store.sentActivityOf(recovery.tenantId, incident.id, conversationId);
    return activityId ? { incident, activityId } : undefined;
  }

  /** A recovery closes the incident: its card replaces the original alert's card in place. */
  private async post(
    alert: HealthAlert,
    reference: Partial<ConversationReference>,
    original: { incident: HealthAlert; activityId: string } | undefined,
  ): Promise<string> {
    const { sender, tab } = this.deps;
    if (alert.kind !== 'recovered' || !original) return sender.send(reference, alertCard(alert, tab));
    const card = recoveryCard(alert, tab, original.incident);
    try {
      await sender.update(reference, original.activityId, card);
      return original.activityId;
    } catch (error) {
      // The original card was deleted: post the recovery instead.
      if (error instanceof DeliveryError && error.kind === 'rejected' && error.statusCode === 404) {
        return sender.send(reference, card);
      }
      throw error;
    }
  }

  /** One store lookup per recovery, shared by all its deliveries (alerts never change once written). */
  private incidentClosedBy(recovery: HealthAlert): Promise<HealthAlert | undefined> {
    const cached = this.incidents.get(recovery.id);
    if (cached) return cached;
    if (this.incidents.size >= INCIDENT_CACHE_SIZE) this.incidents.clear();
    const incident = this.deps.store.incidentClosedBy(recovery.tenantId, recovery.id);
    this.incidents.set(recovery.id, incident);
    incident.catch(() => this.incidents.delete(recovery.id));
    return incident;
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

  /**
   * The service's Retry-After when it gave one (not 0), else exponential in the attempts (claims
   * count, so a delivery deferred for other reasons backs off too); plus up to 25 % jitter so
   * retries spread out.
   */
  backoffMs(attempts: number, retryAfterMs?: number): number {
    const base =
      retryAfterMs ||
      Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(base * (1 + 0.25 * this.random()));
  }
}

/** A send let go by the rate limiter at `atMs` (its slot, should Teams refuse the send). */
interface Admitted {
  atMs: number;
}

interface TenantsToSkip {
  tenants: string[];
  /** When the first full window among them has room again. */
  retryInMs?: number;
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
