/**
 * BEGIN … COMMIT on one client checked out of the pool, ROLLBACK when the work throws. A client whose
 * connection failed (or whose BEGIN or ROLLBACK did) is destroyed instead of going back to the pool.
 */
import type { Pool, PoolClient } from 'pg';
import { asError } from './driver-errors';

export async function withClientTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // pg emits a connection error on a checked-out client only when no query is running (say, while
  // fn awaits between two calls); without a listener that would crash the process.
  const onError = (error: Error) => (broken ??= error);
  client.on('error', onError);
  const release = () => {
    client.removeListener('error', onError);
    client.release(broken);
  };
  try {
    await client.query('BEGIN');
  } catch (error) {
    broken ??= asError(error);
    release();
    throw error;
  }
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken ??= asError(rollbackError);
    });
    throw error;
  } finally {
    release();
  }
}
