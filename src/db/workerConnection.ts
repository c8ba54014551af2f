/**
 * The hot path's one view of a connection, whichever driver is under it (mysql2 or the mariadb
 * connector): scenarios and the worker loop call these methods and never a driver's own API, so
 * that `--driver` changes nothing but the driver. Callbacks, not promises: this runs once per
 * operation, and every client CPU-second is taken from the server on a shared machine. Errors are
 * the driver's own, with `errno`, `code` and `fatal`, which `classifyError` reads for both.
 */
import type { DriverName } from '../config/connection.js';

/** A value bound to a placeholder. */
export type SqlValue = string | number | Buffer | null;

/** A result row: column values in SELECT order (BLOBs as Buffers, integers as numbers). */
export type Row = unknown[];

/** What a write did. */
export interface Written {
  affectedRows: number;
  insertId: number;
}

export type Callback<T> = (error: Error | null, result: T) => void;

/** What a failed call hands its callback in place of a result. */
export const NO_ROWS: readonly Row[] = Object.freeze([]);
export const NOTHING_WRITTEN: Readonly<Written> = Object.freeze({ affectedRows: 0, insertId: 0 });

export interface WorkerConnection {
  readonly driver: DriverName;
  /** The server's id of this connection (CONNECTION_ID(), what KILL takes). */
  readonly threadId: number;
  /**
   * A prepared SELECT (binary protocol): prepared on the statement's first use on this connection
   * and kept for the connection's life, then only bound and executed. The rows array and the
   * Buffers in it are the driver's, handed over without a copy: do not keep them past the callback
   * unless that is what is wanted.
   */
  read(sql: string, params: SqlValue[], done: Callback<readonly Row[]>): void;
  /**
   * Prepares a statement now rather than on its first use (a scenario that wants a bad statement
   * refused before the run starts); `read` and `write` then only execute it.
   */
  prepare(sql: string, done: (error: Error | null) => void): void;
  /** A prepared INSERT, UPDATE or DELETE, as `read` prepares it. */
  write(sql: string, params: SqlValue[], done: Callback<Written>): void;
  /**
   * A text-protocol statement: transaction control, and statements a prepared one cannot express
   * (an array parameter expands to a list, for `IN (?)`). Rows as arrays, as `read` gives them.
   */
  query(sql: string, params: unknown[], done: Callback<readonly Row[]>): void;
  /**
   * Many rows into one table in one round trip, as the driver does it fastest (loading data, not
   * the measured path): mysql2 sends one multi-row INSERT over the text protocol; the mariadb
   * connector one bulk execute of a prepared INSERT (binary rows, nothing escaped). The caller
   * keeps a call well under max_allowed_packet.
   */
  insertMany(table: string, columns: readonly string[], rows: unknown[][], done: Callback<Written>): void;
  /** Says goodbye (COM_QUIT), so the server does not count the connection as aborted. */
  end(): Promise<void>;
  /** Drops the socket at once (a lost connection, before reconnecting). */
  destroy(): void;
}

/** Promise forms for multi-statement operations and worker set-up, where a promise costs nothing that shows. */
export function readRows(connection: WorkerConnection, sql: string, params: SqlValue[]): Promise<readonly Row[]> {
  return new Promise((resolve, reject) => connection.read(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))));
}

export function writeRow(connection: WorkerConnection, sql: string, params: SqlValue[]): Promise<Written> {
  return new Promise((resolve, reject) => connection.write(sql, params, (error, written) => (error ? reject(error) : resolve(written))));
}

export function prepareStatement(connection: WorkerConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.prepare(sql, (error) => (error ? reject(error) : resolve())));
}

export function queryRows(connection: WorkerConnection, sql: string, params: unknown[] = []): Promise<readonly Row[]> {
  return new Promise((resolve, reject) => connection.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))));
}

/** Rows into a table, `rowsPerCall` per round trip (a load's multi-row INSERTs); resolves with the rows written. */
export async function insertRows(connection: WorkerConnection, table: string, columns: readonly string[], rows: unknown[][], rowsPerCall = 1000): Promise<number> {
  for (let start = 0; start < rows.length; start += rowsPerCall) {
    const chunk = rows.slice(start, start + rowsPerCall);
    await new Promise<void>((resolve, reject) => connection.insertMany(table, columns, chunk, (error) => (error ? reject(error) : resolve())));
  }
  return rows.length;
}
