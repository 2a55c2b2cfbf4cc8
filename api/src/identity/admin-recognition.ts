/**
 * How the bot knows a user may manage the connection: the user's Teams SSO token proved the Global
 * Administrator role (`wids`) when they opened the tab (GET /api/me or GET /api/integration), within
 * the last `recognitionDays` (EC_ADMIN_RECOGNITION_DAYS). A demoted admin stops counting once the
 * window has passed since their last visit as an admin.
 *
 * Why not a directory lookup at the time the bot needs it: reading a user's directory roles takes an
 * application permission such as RoleManagement.Read.Directory or Directory.Read.All, a broad grant
 * (every role assignment, or the whole directory) that customers would have to consent to on top of
 * the one Exchange permission the app asks for. The SSO token already carries the proof, for free.
 */
import type { Logger } from '../logger';
import type { AdminSightingStoreOperations } from '../store/admin-port';
import type { RecognisedAdmins, SignedInUser } from './port';

export const DEFAULT_ADMIN_RECOGNITION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A sighting is written at most this often per user. */
const REFRESH_MS = 60 * 60 * 1000;

export interface AdminRecognitionOptions {
  store: AdminSightingStoreOperations;
  recognitionDays: number;
  clock: () => Date;
  log: Logger;
}

export class AdminRecognition implements RecognisedAdmins {
  readonly recognitionDays: number;

  constructor(private readonly options: AdminRecognitionOptions) {
    if (!Number.isInteger(options.recognitionDays) || options.recognitionDays < 1) {
      throw new RangeError(`recognitionDays must be a positive integer: ${options.recognitionDays}`);
    }
    this.recognitionDays = options.recognitionDays;
  }

  /**
   * Records a signed-in Global Admin (at most once an hour each), and forgets one whose token no
   * longer proves the role: a demoted admin loses the bot at once, not after the recognition
   * window. Never throws: the tab's answer must not depend on this bookkeeping, so a store failure
   * is logged and the request goes on.
   */
  async sawSignedIn(user: SignedInUser): Promise<void> {
    const now = this.options.clock();
    try {
      if (!user.isGlobalAdmin) {
        if (user.oid)
          await this.options.store.forgetAdminSighting(user.tenantId.toLowerCase(), user.oid.toLowerCase());
        return;
      }
      await this.options.store.recordAdminSighting({
        tenantId: user.tenantId.toLowerCase(),
        userOid: user.oid.toLowerCase(),
        upn: user.upn,
        seenAt: now,
        refreshIfSeenBefore: new Date(now.getTime() - REFRESH_MS),
      });
    } catch (error) {
      this.options.log.warn(
        { tenantId: user.tenantId, err: error instanceof Error ? error.message : String(error) },
        'could not record the Global Admin sighting',
      );
    }
  }

  async isRecognised(tenantId: string, userOid: string): Promise<boolean> {
    if (!userOid) return false;
    const sighting = await this.options.store.getAdminSighting(tenantId.toLowerCase(), userOid.toLowerCase());
    if (!sighting) return false;
    const since = this.options.clock().getTime() - this.recognitionDays * DAY_MS;
    return Date.parse(sighting.lastSeenAt) >= since;
  }
}
