/**
 * Fault injection for the control API: latency, throttling, 5xx, time-outs and malformed
 * responses, per service and operation, so tests and the demo can break Microsoft on purpose.
 */
import { z } from 'zod';

export const SANDBOX_SERVICES = ['entra', 'ews', 'keyvault', 'connector', 'graph'] as const;
export type SandboxService = (typeof SANDBOX_SERVICES)[number];

/** Folder properties the EWS schema makes optional (FolderType: minOccurs="0"). */
export const OPTIONAL_FOLDER_PROPERTIES = [
  'ParentFolderId',
  'FolderClass',
  'DisplayName',
  'TotalCount',
  'ChildFolderCount',
  'UnreadCount',
] as const;
export type OptionalFolderProperty = (typeof OPTIONAL_FOLDER_PROPERTIES)[number];

export const faultRuleSchema = z
  .object({
    service: z.enum(SANDBOX_SERVICES),
    /**
     * EWS operation (`GetFolder`), Key Vault verb, connector route, Graph operation (`calendar`,
     * `calendarView`, `getSchedule`, `places`, `batch`), or `*` for all.
     */
    operation: z.string().default('*'),
    /**
     * `innerServerBusy` (EWS only): Exchange Online's other throttling answer, HTTP 200 with
     * ResponseClass="Error" ErrorInternalServerError whose MessageXml names ErrorServerBusy.
     */
    kind: z.enum([
      'latency',
      'throttle',
      'http5xx',
      'timeout',
      'malformed',
      'innerServerBusy',
      'omitProperties',
    ]),
    /** latency: delay; throttle: the back-off the service asks for (BackOffMilliseconds / Retry-After). */
    ms: z.number().int().nonnegative().default(0),
    /** HTTP status for http5xx (500, 502, 503, 504). */
    status: z.number().int().min(500).max(599).default(503),
    /**
     * omitProperties (EWS only): a schema-valid answer that leaves out these optional folder
     * properties (`TotalCount`, `DisplayName`, …), as Exchange may; a client must not require them.
     */
    properties: z.array(z.enum(OPTIONAL_FOLDER_PROPERTIES)).min(1).default(['TotalCount']),
    /** How many matching requests the rule affects; omitted = until cleared. */
    count: z.number().int().positive().optional(),
  })
  .refine((r) => (r.kind !== 'innerServerBusy' && r.kind !== 'omitProperties') || r.service === 'ews', {
    message: 'innerServerBusy and omitProperties are EWS faults',
    path: ['kind'],
  });
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema> & { id: number; remaining: number | null };

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly pending = new Set<() => void>();

  /**
   * An injected delay that `releaseDelays` can end early, so tests hold requests in flight for as
   * long as they need (concurrency) without sleeping for real.
   */
  delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
    });
  }

  /** Ends every injected delay now; returns how many requests were waiting. */
  releaseDelays(): number {
    const waiting = [...this.pending];
    for (const done of waiting) done();
    return waiting.length;
  }

  /** How many requests are waiting in an injected delay. */
  delayed(): number {
    return this.pending.size;
  }

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const rule: FaultRule = { ...parsed, id: this.nextId++, remaining: parsed.count ?? null };
    this.rules.push(rule);
    return rule;
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The faults that apply to one request, consumed. Latency combines with any one failure kind,
   * so "slow and then throttled" is expressible.
   */
  take(service: SandboxService, operation: string): { latencyMs: number; failure?: FaultRule } {
    let latencyMs = 0;
    let failure: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.service !== service || (rule.operation !== '*' && rule.operation !== operation)) continue;
      if (rule.kind === 'latency') {
        latencyMs += rule.ms;
      } else if (failure) {
        continue;
      } else {
        failure = rule;
      }
      if (rule.remaining !== null) rule.remaining -= 1;
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return failure ? { latencyMs, failure } : { latencyMs };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
