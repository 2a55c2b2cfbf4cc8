/**
 * Retention: the store's part. Each prune deletes at most `limit` rows older than `before`, oldest
 * first, and returns how many it deleted, so a caller empties a backlog in short statements (call
 * again while it returns `limit`) instead of one long write lock. Cross-tenant: the same limits
 * hold for every tenant. Expired consent states go with purgeExpiredConsentStates, check history
 * with pruneHealthResults (the health scheduler prunes it as it runs).
 */

export interface PruneBatch {
  /** Rows written before this instant may go. */
  before: Date;
  /** At most this many rows (1–10,000) per call. */
  limit: number;
}

export interface RetentionStoreOperations {
  /**
   * Deletes verification traces started before `before`, except each integration's newest trace,
   * which the tab and the health checks read (mailbox, rooms), however old it is.
   */
  pruneTraces(batch: PruneBatch): Promise<number>;
  /** Deletes audit rows written before `before`. */
  pruneAudit(batch: PruneBatch): Promise<number>;
  /**
   * Deletes delivered alerts created before `before`, with their deliveries. Delivered: fanned out
   * and none of its deliveries still pending. Kept whatever their age: the failing or degraded alert
   * of an open incident (nothing has followed it and the integration is not disconnected), whose
   * card the recovery will replace, and any such alert older than a recovery still being delivered.
   * Returns how many alerts it deleted.
   */
  pruneDeliveredAlerts(batch: PruneBatch): Promise<number>;
}
