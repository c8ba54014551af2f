/**
 * The worker connection on mysql2's callback API (its promise wrapper measured about a third more
 * client CPU per insert). Statements are prepared once per connection and held here, so an
 * operation is one Execute command: mysql2's own `connection.execute` would also queue a Prepare
 * command per call (answered from its cache), copy the options and check every value.
 */
import { createRequire } from 'node:module';
import mysql, { type Connection, type PrepareStatementInfo, type ResultSetHeader } from 'mysql2';
import type { ConnectionOptions } from '../../config/connection.js';
import { driverOptions, survivesServerLoss } from '../connect.js';
import { quoteIdent } from '../identifiers.js';
import { NO_ROWS, NOTHING_WRITTEN, type Callback, type Row, type SqlValue, type WorkerConnection, type Written } from '../workerConnection.js';

class Mysql2Worker implements WorkerConnection {
  readonly driver = 'mysql2';
  private readonly prepared = new Map<string, PrepareStatementInfo>();

  constructor(private readonly connection: Connection) {}

  get threadId(): number {
    return this.connection.threadId;
  }

  read(sql: string, params: SqlValue[], done: Callback<readonly Row[]>): void {
    this.execute(sql, params, (error, rows) => (error ? done(error, NO_ROWS) : done(null, rows as Row[])));
  }

  write(sql: string, params: SqlValue[], done: Callback<Written>): void {
    this.execute(sql, params, (error, header) => (error ? done(error, NOTHING_WRITTEN) : done(null, header as ResultSetHeader)));
  }

  query(sql: string, params: unknown[], done: Callback<readonly Row[]>): void {
    this.connection.query(sql, params, (error, rows) => (error ? done(error, NO_ROWS) : done(null, Array.isArray(rows) ? (rows as Row[]) : NO_ROWS)));
  }

  insertMany(table: string, columns: readonly string[], rows: unknown[][], done: Callback<Written>): void {
    // mysql2 expands `VALUES ?` from nested arrays into one multi-row statement.
    this.connection.query(`INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ?`, [rows], (error, header) =>
      error ? done(error, NOTHING_WRITTEN) : done(null, header as ResultSetHeader),
    );
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.connection.end(() => resolve()));
  }

  destroy(): void {
    this.connection.destroy();
  }

  prepare(sql: string, done: (error: Error | null) => void): void {
    this.statement(sql, (error) => done(error));
  }

  private execute(sql: string, params: SqlValue[], done: (error: Error | null, result: unknown) => void): void {
    const statement = this.prepared.get(sql);
    if (statement) {
      statement.execute(params, done);
      return;
    }
    this.statement(sql, (error, fresh) => (error || !fresh ? done(error, undefined) : fresh.execute(params, done)));
  }

  private statement(sql: string, done: (error: Error | null, statement?: PrepareStatementInfo) => void): void {
    const known = this.prepared.get(sql);
    if (known) return done(null, known);
    this.connection.prepare(sql, (error, fresh) => {
      if (error) return done(error);
      this.prepared.set(sql, fresh);
      done(null, fresh);
    });
  }
}

export function connectMysql2(options: ConnectionOptions): Promise<WorkerConnection> {
  return new Promise((resolve, reject) => {
    // Rows as arrays: no object per row, no column names looked up per row.
    const connection = mysql.createConnection({ ...driverOptions(options), rowsAsArray: true });
    connection.connect((error) => {
      if (error) {
        connection.destroy();
        reject(error);
      } else resolve(new Mysql2Worker(survivesServerLoss(connection)));
    });
  });
}

/** The installed mysql2's version (the package exports none of its own). */
export function mysql2Version(): string {
  return (createRequire(import.meta.url)('mysql2/package.json') as { version: string }).version;
}
