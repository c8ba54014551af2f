/**
 * A promise around one statement on a worker's callback connection (the only one in the code),
 * for the steps of a scenario that are not its measured hot path: a multi-statement transaction,
 * where the lock waits dwarf the cost of a promise and sequential code reads far better than
 * nested callbacks, and the reads a worker does once before its loop. Pass `{ sql, rowsAsArray: true }`
 * to get each row as an array.
 */
import type { QueryOptions } from 'mysql2';
import type { CallbackConnection } from './connect.js';

export type SqlValue = string | number | Buffer | null;
type Statement = string | QueryOptions;

function optionsOf(statement: Statement): QueryOptions {
  return typeof statement === 'string' ? { sql: statement } : statement;
}

/** A server-side prepared statement (COM_STMT_EXECUTE). */
export function execute<T = unknown>(connection: CallbackConnection, statement: Statement, params: SqlValue[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    connection.execute(optionsOf(statement), params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** A text-protocol statement (COM_QUERY; arrays expand for IN (?)). */
export function query<T = unknown>(connection: CallbackConnection, statement: Statement, params: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    connection.query(optionsOf(statement), params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}
