/**
 * The connection pool: bounded in size, and every call bounded in time — waiting for a connection
 * (connectionTimeoutMs), each statement on the server (statement_timeout) with a client-side backstop
 * for a server that stops answering, and a transaction left idle by a stalled fn.
 */
import { Pool } from 'pg';
import { positiveInt } from '../arguments';
import { columnTypes } from './column-types';

export interface PoolOptions {
  connectionString: string;
  /** Connections per process; transactions each hold one while they run. */
  poolSize?: number;
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const DEFAULTS = { poolSize: 10, statementTimeoutMs: 15_000, connectionTimeoutMs: 10_000 };
/** A transaction whose fn waits this long between two calls is rolled back by the server. */
const IDLE_IN_TRANSACTION_MS = 60_000;
/** How much longer than statement_timeout the client waits for an answer before giving up. */
const CLIENT_BACKSTOP_MS = 5_000;

export function createPool(options: PoolOptions): Pool {
  const poolSize = positiveInt(options.poolSize ?? DEFAULTS.poolSize, 'poolSize');
  const statementTimeoutMs = positiveInt(
    options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
    'statementTimeoutMs',
  );
  const pool = new Pool({
    connectionString: options.connectionString,
    max: poolSize,
    connectionTimeoutMillis: positiveInt(
      options.connectionTimeoutMs ?? DEFAULTS.connectionTimeoutMs,
      'connectionTimeoutMs',
    ),
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_BACKSTOP_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    application_name: 'exchange-connect',
    keepAlive: true,
    types: columnTypes,
  });
  // An idle connection that breaks (server restart, network) is reported here and dropped by the
  // pool; the next call opens a fresh one. Without a listener the event would crash the process.
  pool.on('error', () => undefined);
  return pool;
}
