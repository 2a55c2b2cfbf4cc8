/** Sealing nonces on PostgreSQL, as sqlite/sealing-nonce-statements.ts. */
import { instant } from '../arguments';
import { hashSingleUseValue } from '../consent-state-hash';
import { StoreConflictError } from '../errors';
import type { SealingNonceStoreOperations } from '../sealing-nonce-port';
import { hasSqlState, UNIQUE_VIOLATION } from './driver-errors';
import type { Runner } from './runner';

export function sealingNonceOperations(runner: Runner, clock: () => Date): SealingNonceStoreOperations {
  return {
    createSealingNonce: (input) => {
      const params = [
        hashSingleUseValue(input.nonce),
        input.tenantId,
        input.userId,
        input.purpose,
        clock().toISOString(),
        instant(input.expiresAt, 'expiresAt'),
      ];
      return runner.run(async (db) => {
        try {
          await db.query(
            `INSERT INTO sealing_nonces (nonce_hash, tenant_id, user_id, purpose, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            params,
          );
        } catch (error) {
          if (hasSqlState(error, UNIQUE_VIOLATION)) {
            throw new StoreConflictError('This sealing nonce was already issued.', { cause: error });
          }
          throw error;
        }
      });
    },

    // One statement: the row lock makes a second request with the same nonce re-check `used_at`
    // after the first commits, so exactly one uses it.
    consumeSealingNonce: (binding, now) =>
      runner.run(async (db) => {
        const { rowCount } = await db.query(
          `UPDATE sealing_nonces SET used_at = $5
           WHERE nonce_hash = $1 AND tenant_id = $2 AND user_id = $3 AND purpose = $4
             AND used_at IS NULL AND expires_at > $5`,
          [
            hashSingleUseValue(binding.nonce),
            binding.tenantId,
            binding.userId,
            binding.purpose,
            now.toISOString(),
          ],
        );
        return rowCount === 1;
      }),

    purgeExpiredSealingNonces: (now) =>
      runner.run(
        async (db) =>
          (await db.query('DELETE FROM sealing_nonces WHERE expires_at <= $1', [now.toISOString()]))
            .rowCount ?? 0,
      ),
  };
}
