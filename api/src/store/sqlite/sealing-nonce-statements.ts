/** The sealing_nonces table's SQL (synchronous, better-sqlite3). */
import type Database from 'better-sqlite3';
import { instant } from '../arguments';
import { hashSingleUseValue } from '../consent-state-hash';
import { StoreConflictError } from '../errors';
import type {
  SealingNonceBinding,
  SealingNonceInput,
  SealingNonceStoreOperations,
} from '../sealing-nonce-port';
import { constraintViolated, type Sync } from './statements';

type Params = Record<string, string | number | null>;

export class SqliteSealingNonceStatements implements Sync<SealingNonceStoreOperations> {
  private readonly insert;
  private readonly consume;
  private readonly purge;

  constructor(
    db: Database.Database,
    private readonly clock: () => Date,
  ) {
    this.insert = db.prepare<Params>(`
      INSERT INTO sealing_nonces (nonce_hash, tenant_id, user_id, purpose, created_at, expires_at)
      VALUES (@nonceHash, @tenantId, @userId, @purpose, @now, @expiresAt)`);
    // One statement, so two requests racing with the same nonce cannot both use it.
    this.consume = db.prepare<Params>(`
      UPDATE sealing_nonces SET used_at = @now
      WHERE nonce_hash = @nonceHash AND tenant_id = @tenantId AND user_id = @userId AND purpose = @purpose
        AND used_at IS NULL AND expires_at > @now`);
    this.purge = db.prepare<[string]>('DELETE FROM sealing_nonces WHERE expires_at <= ?');
  }

  createSealingNonce(input: SealingNonceInput): void {
    try {
      this.insert.run({
        nonceHash: hashSingleUseValue(input.nonce),
        tenantId: input.tenantId,
        userId: input.userId,
        purpose: input.purpose,
        now: this.clock().toISOString(),
        expiresAt: instant(input.expiresAt, 'expiresAt'),
      });
    } catch (error) {
      if (constraintViolated(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
        throw new StoreConflictError('This sealing nonce was already issued.', { cause: error });
      }
      throw error;
    }
  }

  consumeSealingNonce(binding: SealingNonceBinding, now: Date): boolean {
    return (
      this.consume.run({
        nonceHash: hashSingleUseValue(binding.nonce),
        tenantId: binding.tenantId,
        userId: binding.userId,
        purpose: binding.purpose,
        now: now.toISOString(),
      }).changes === 1
    );
  }

  purgeExpiredSealingNonces(now: Date): number {
    return this.purge.run(now.toISOString()).changes;
  }
}
