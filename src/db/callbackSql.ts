/**
 * A promise around one statement on a worker's callback connection, for scenarios whose operation
 * is a multi-statement transaction: there, the lock waits dwarf the cost of a promise, and
 * sequential code reads far better than nested callbacks.
 */
import type { CallbackConnection } from './connect.js';

export type SqlValue = string | number | Buffer | null;

export function execute<T = unknown>(connection: CallbackConnection, sql: string, params: SqlValue[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    connection.execute(sql, params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

export function query<T = unknown>(connection: CallbackConnection, sql: string, params: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    connection.query(sql, params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}
