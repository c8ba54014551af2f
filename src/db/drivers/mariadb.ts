/**
 * The worker connection on MariaDB's own Node.js connector (the `mariadb` package), callback API
 * (its promise API would add a promise per operation). Statements are prepared once per
 * connection and held here, so an operation only binds and executes. How it compares with mysql2
 * is measured by bench:sysbench (README, "Measured against sysbench").
 */
import mariadb, { type Connection, type Prepare } from 'mariadb/callback';
import type { ConnectionOptions } from '../../config/connection.js';
import { quoteIdent } from '../identifiers.js';
import { mariadbTlsOptions } from '../tls.js';
import { NO_ROWS, NOTHING_WRITTEN, type Callback, type Row, type SqlValue, type WorkerConnection, type Written } from '../workerConnection.js';

class MariadbWorker implements WorkerConnection {
  readonly driver = 'mariadb';
  private readonly prepared = new Map<string, Prepare>();

  constructor(private readonly connection: Connection) {}

  get threadId(): number {
    return this.connection.threadId ?? -1;
  }

  read(sql: string, params: SqlValue[], done: Callback<readonly Row[]>): void {
    this.execute(sql, params, (error, rows) => (error ? done(error, NO_ROWS) : done(null, rows as Row[])));
  }

  write(sql: string, params: SqlValue[], done: Callback<Written>): void {
    this.execute(sql, params, (error, ok) => (error ? done(error, NOTHING_WRITTEN) : done(null, ok as Written)));
  }

  query(sql: string, params: unknown[], done: Callback<readonly Row[]>): void {
    this.connection.query(sql, params, (error, rows: unknown) => (error ? done(error, NO_ROWS) : done(null, Array.isArray(rows) ? (rows as Row[]) : NO_ROWS)));
  }

  insertMany(table: string, columns: readonly string[], rows: unknown[][], done: Callback<Written>): void {
    if (rows.length === 0) return done(null, NOTHING_WRITTEN);
    const sql = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    this.connection.batch(sql, rows, (error, result: unknown) => (error ? done(error, NOTHING_WRITTEN) : done(null, result as Written)));
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
    if (statement) return statement.execute(params, done);
    this.statement(sql, (error, fresh) => (error || !fresh ? done(error, undefined) : fresh.execute(params, done)));
  }

  private statement(sql: string, done: (error: Error | null, statement?: Prepare) => void): void {
    const known = this.prepared.get(sql);
    if (known) return done(null, known);
    this.connection.prepare(sql, (error, fresh) => {
      if (error || !fresh) return done(error ?? new Error(`could not prepare ${sql}`));
      this.prepared.set(sql, fresh);
      done(null, fresh);
    });
  }
}

export function connectMariadb(options: ConnectionOptions): Promise<WorkerConnection> {
  return new Promise((resolve, reject) => {
    const ssl = mariadbTlsOptions(options.ssl);
    const connection = mariadb.createConnection({
      user: options.user,
      password: options.password ?? '',
      database: options.database,
      ...(options.socket ? { socketPath: options.socket } : { host: options.host, port: options.port }),
      ...(ssl ? { ssl } : {}),
      connectTimeout: 10_000,
      // As mysql2 is set up: rows as arrays, BIGINTs and insert ids as numbers (ids fit in 2^53),
      // dates as strings, one statement per call, no LOCAL INFILE.
      rowsAsArray: true,
      bigIntAsNumber: true,
      insertIdAsNumber: true,
      dateStrings: true,
      multipleStatements: false,
      permitLocalInfile: false,
      // Statements are held by MariadbWorker for the connection's life: the connector's own cache would only add bookkeeping.
      prepareCacheLength: 0,
    });
    // The connector starts connecting at once and emits 'connect' with the error, if any, when done.
    connection.once('connect', (error?: Error) => {
      if (error) {
        connection.destroy();
        return reject(error);
      }
      // A connection with nothing in flight emits 'error' when the server goes away; unheard, that
      // would end the process. The next call on it fails with the error, where the caller handles it.
      connection.on('error', () => undefined);
      resolve(new MariadbWorker(connection));
    });
  });
}

export function mariadbVersion(): string {
  return mariadb.version;
}
