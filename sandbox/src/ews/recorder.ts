/**
 * The last EWS and Autodiscover exchanges of one sandbox, kept so tests can check that every
 * request a real SDK sent and every response the sandbox gave is valid against Microsoft's schema.
 */
import type { SandboxContext } from '../context';

export interface RecordedExchange {
  service: 'ews' | 'autodiscover';
  organisation: 'online' | 'server';
  operation: string;
  status: number;
  requestBody: string;
  responseBody: string;
  /** The request's X-AnchorMailbox header, when it sent one. */
  anchorMailbox?: string;
  /** The organisation that answered, once the caller was authenticated. */
  tenantId?: string;
}

export class TrafficRecorder {
  private entries: RecordedExchange[] = [];

  constructor(private readonly limit = 200) {}

  record(entry: RecordedExchange): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(): readonly RecordedExchange[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}

const recorders = new WeakMap<SandboxContext, TrafficRecorder>();

/** The recorder of one sandbox (both Exchange origins share it). */
export function ewsTraffic(ctx: SandboxContext): TrafficRecorder {
  let recorder = recorders.get(ctx);
  if (!recorder) {
    recorder = new TrafficRecorder();
    recorders.set(ctx, recorder);
  }
  return recorder;
}
