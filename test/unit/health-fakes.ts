/** Port fakes and a hand-driven clock and timers for the health unit tests (never an SDK fake). */
import { ExchangeConnectError, type ErrorKind } from '../../api/src/errors';
import type { AppToken, AppTokenProvider } from '../../api/src/identity/port';
import type {
  CalendarFolderInfo,
  ConnectionRequest,
  MailboxAccess,
  MailboxProtocol,
  Room,
  RoomList,
} from '../../api/src/exchange/port';
import type { SecretVault } from '../../api/src/secrets/port';
import type { Timers } from '../../api/src/health/timers';

export const APP_ID = '52c54a6a-55a3-4c79-a19b-df6eae6b8dda';

export function failure(kind: ErrorKind, code: string, retryAfterMs?: number): ExchangeConnectError {
  return new ExchangeConnectError({
    kind,
    code,
    message: `${code} happened`,
    remediation: `fix ${code}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
  readonly date = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  private nextId = 0;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();

  setTimeout(callback: () => void, ms: number): number {
    this.nextId += 1;
    this.pending.set(this.nextId, { callback, ms });
    return this.nextId;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires the pending timers set for exactly `ms` (one kind of timer, the others left waiting). */
  fire(ms: number): void {
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms !== ms) continue;
      this.pending.delete(id);
      timer.callback();
    }
  }
  /** Fires every pending timer (as if all their delays elapsed). */
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const timer of due) timer.callback();
  }
}

/** Resolves once `condition` holds, checking after each turn of the microtask queue. */
export async function until(condition: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await Promise.resolve();
  }
  throw new Error('condition never held');
}

export type Call = { op: string; mailbox?: string; connection?: ConnectionRequest; signal?: AbortSignal };

/** A mailbox protocol whose answers each test scripts per mailbox; it records every call. */
export class FakeExchange implements MailboxProtocol {
  readonly protocol = 'ews';
  readonly calls: Call[] = [];
  mailboxError?: unknown;
  /** Mailboxes refused as outside the app's scope (ErrorAccessDenied), or without a mailbox. */
  refusedMailboxes = new Set<string>();
  missingMailboxes = new Set<string>();
  roomErrors = new Map<string, unknown>();
  hangingRooms = new Set<string>();
  roomLists: RoomList[] = [];
  roomsByList = new Map<string, Room[]>();

  connect(connection: ConnectionRequest): MailboxAccess {
    return {
      protocol: 'ews',
      openCalendar: async (mailbox): Promise<CalendarFolderInfo> => {
        this.calls.push({ op: 'openCalendar', mailbox, connection });
        if (this.refusedMailboxes.has(mailbox)) throw failure('access_policy_denied', 'ErrorAccessDenied');
        if (this.missingMailboxes.has(mailbox))
          throw failure('mailbox_not_found', 'MailboxNotEnabledForRESTAPI');
        if (this.mailboxError) throw this.mailboxError;
        return { displayName: 'Calendar', totalCount: 3 };
      },
      listRoomLists: async () => {
        this.calls.push({ op: 'listRoomLists' });
        return this.roomLists;
      },
      listRooms: async (roomList) => {
        this.calls.push({ op: 'listRooms', mailbox: roomList });
        return this.roomsByList.get(roomList) ?? [];
      },
      countCalendarItems: (mailbox, _window, options) => {
        this.calls.push({
          op: 'countCalendarItems',
          mailbox,
          ...(options?.abortSignal ? { signal: options.abortSignal } : {}),
        });
        if (this.hangingRooms.has(mailbox)) return new Promise<number>(() => undefined);
        const error = this.roomErrors.get(mailbox);
        return error ? Promise.reject(error) : Promise.resolve(2);
      },
    };
  }
  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

export class FakeTokens implements AppTokenProvider {
  readonly calls: Array<{ tenantId: string; forceRefresh?: boolean }> = [];
  /** Which API each token was for. */
  readonly apis: string[] = [];
  roles = ['full_access_as_app'];
  error?: unknown;
  hang = false;
  constructor(private readonly clock: ManualClock) {}
  getAppToken(tenantId: string, api: string, options?: { forceRefresh?: boolean }): Promise<AppToken> {
    this.calls.push({ tenantId, ...options });
    this.apis.push(api);
    if (this.hang) return new Promise<AppToken>(() => undefined);
    if (this.error) return Promise.reject(this.error);
    return Promise.resolve({
      accessToken: `token-for-${tenantId}`,
      expiresOn: new Date(this.clock.ms + 3600_000),
      roles: this.roles,
    });
  }
}

export class FakeVault implements SecretVault {
  error?: unknown;
  constructor(private readonly password: string) {}
  async storePassword(): Promise<{ secretId: string }> {
    throw new Error('not used by health checks');
  }
  async readPassword(): Promise<string> {
    if (this.error) throw this.error;
    return this.password;
  }
  async deletePassword(): Promise<void> {
    throw new Error('not used by health checks');
  }
}
