/**
 * Graph traffic of one sandbox, as the EWS recorder keeps SOAP: every request (direct or inside a
 * `$batch`) with its operation, mailbox, how many requests of that app were in flight on that
 * mailbox when it arrived, and its status once answered — so tests count requests and see concurrency.
 */
import type { SandboxContext } from '../context';
import { MailboxConcurrency } from './concurrency';

export interface RecordedGraphRequest {
  /** Arrival order, from 1. */
  seq: number;
  method: string;
  /** Path and query below the version (`/users/…/calendarView?…`). */
  url: string;
  operation: string;
  tenantId?: string;
  appId?: string;
  mailbox?: string;
  /** The outer `$batch` request's id and this item's id, for requests inside a batch. */
  batch?: { requestId: string; id: string };
  requestId: string;
  clientRequestId: string;
  /** Requests of this app in flight on this mailbox when it arrived, itself included; 0 when refused. */
  inFlight?: number;
  /** Set once answered. */
  status?: number;
  errorCode?: string;
}

export class GraphTrafficRecorder {
  private entries: RecordedGraphRequest[] = [];
  private seq = 0;

  constructor(private readonly limit = 1000) {}

  /** Records an arrival; the returned entry is completed in place when the request is answered. */
  arrive(entry: Omit<RecordedGraphRequest, 'seq'>): RecordedGraphRequest {
    const recorded = { ...entry, seq: ++this.seq };
    this.entries.push(recorded);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return recorded;
  }

  list(): readonly RecordedGraphRequest[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}

export interface GraphState {
  traffic: GraphTrafficRecorder;
  concurrency: MailboxConcurrency;
}

const states = new WeakMap<SandboxContext, GraphState>();

/** The Graph stand-in's memory for one sandbox. */
export function graphState(ctx: SandboxContext): GraphState {
  let state = states.get(ctx);
  if (!state) {
    state = { traffic: new GraphTrafficRecorder(), concurrency: new MailboxConcurrency() };
    states.set(ctx, state);
  }
  return state;
}

export const graphTraffic = (ctx: SandboxContext) => graphState(ctx).traffic;
