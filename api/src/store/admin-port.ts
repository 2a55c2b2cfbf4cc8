/**
 * Global Administrators the app has seen: one row per (tenant, user) whose Teams SSO token proved
 * the Global Administrator role (`wids`) when they opened the tab, with when that last happened.
 * The bot serves these users (api/src/identity/admin-recognition.ts says for how long a sighting
 * counts). Tenant-scoped like the rest of the port.
 */
import type { IsoInstant } from './types';

export interface AdminSighting {
  tenantId: string;
  /** Entra object id (the token's `oid`; the bot sees it as `from.aadObjectId`). */
  userOid: string;
  upn: string;
  lastSeenAt: IsoInstant;
}

export interface AdminSightingInput {
  tenantId: string;
  userOid: string;
  upn: string;
  seenAt: Date;
  /**
   * Only a stored sighting from before this instant is moved forward, so an admin calling the API
   * all day costs one write an hour, not one a request.
   */
  refreshIfSeenBefore: Date;
}

export interface AdminSightingStoreOperations {
  /** Inserts the sighting or moves it forward (see refreshIfSeenBefore); true when a row was written. */
  recordAdminSighting(input: AdminSightingInput): Promise<boolean>;
  /** Forgets the user's sighting in this tenant (their token no longer proves the role); true if there was one. */
  forgetAdminSighting(tenantId: string, userOid: string): Promise<boolean>;
  /** The user's sighting, however old; undefined if never seen (or forgotten) in this tenant. */
  getAdminSighting(tenantId: string, userOid: string): Promise<AdminSighting | undefined>;
}
