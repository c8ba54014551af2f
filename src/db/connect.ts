/**
 * Connections. Workers use mysql2's callback API: the baseline measured its promise wrapper at
 * about a third more client CPU per insert, and every client microsecond is taken from the server
 * on a shared machine. Control paths (prepare, sampler, CLI) use the promise API for clarity.
 */
import mysql, { type Connection as CallbackConnection, type ConnectionOptions as DriverOptions } from 'mysql2';
import mysqlPromise, { type Connection as PromiseConnection } from 'mysql2/promise';
import type { ConnectionOptions } from '../config/connection.js';
import { describeConnection } from '../config/connection.js';
import { explainConnectError } from './errors.js';
import { scrubSecret } from '../config/redact.js';

export type { CallbackConnection, PromiseConnection };

export function driverOptions(options: ConnectionOptions, withDatabase = true): DriverOptions {
  const driver: DriverOptions = {
    user: options.user,
    password: options.password ?? '',
    // Binary features come back as Buffers; numbers as numbers (ids fit in 2^53).
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    connectTimeout: 10_000,
    multipleStatements: false,
    flags: ['-LOCAL_FILES'],
  };
  if (withDatabase) driver.database = options.database;
  if (options.socket) driver.socketPath = options.socket;
  else {
    driver.host = options.host;
    driver.port = options.port;
  }
  return driver;
}

/** A promise connection, or an Error whose message is one clear line without the password. */
export async function connectControl(options: ConnectionOptions, withDatabase = true): Promise<PromiseConnection> {
  try {
    return await mysqlPromise.createConnection(driverOptions(options, withDatabase));
  } catch (error) {
    throw new Error(scrubSecret(explainConnectError(error, describeConnection(options)), options.password));
  }
}

/** A callback connection for a worker; resolves once the handshake is done. */
export function connectWorker(options: ConnectionOptions): Promise<CallbackConnection> {
  return new Promise((resolve, reject) => {
    const connection = mysql.createConnection(driverOptions(options));
    connection.connect((error) => {
      if (error) {
        connection.destroy();
        reject(error);
      } else resolve(connection);
    });
  });
}

/** Creates the harness's database when it is missing (CREATE DATABASE IF NOT EXISTS). */
export async function ensureDatabase(options: ConnectionOptions): Promise<void> {
  const connection = await connectControl(options, false);
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${options.database}\``);
  } finally {
    await connection.end();
  }
}
