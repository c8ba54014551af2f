/**
 * Control connections (prepare, sampler, procedures, CLI): mysql2's promise API for clarity, as
 * they are not measured. Workers connect through drivers/index.ts, on the run's driver.
 */
import type { ConnectionOptions as DriverOptions } from 'mysql2';
import mysqlPromise, { type Connection as PromiseConnection } from 'mysql2/promise';
import type { ConnectionOptions } from '../config/connection.js';
import { describeConnection } from '../config/connection.js';
import { explainConnectError } from './errors.js';
import { scrubSecret } from '../config/redact.js';
import { explainTlsError, isNoTlsSupport, tlsDriverOptions, withoutTls } from './tls.js';

export type { PromiseConnection };

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
  const ssl = tlsDriverOptions(options.ssl);
  if (ssl) driver.ssl = ssl;
  if (options.socket) driver.socketPath = options.socket;
  else {
    driver.host = options.host;
    driver.port = options.port;
  }
  return driver;
}

/**
 * mysql2 emits 'error' on a connection that has no command in flight when the server goes away (a
 * restart, a kill, wait_timeout). Without a listener that is an uncaught exception that ends the
 * whole process; the connect() call's own once-listener absorbs only the first. The error is not
 * lost: the next command on the connection fails with it, where the caller handles it.
 */
export function survivesServerLoss<C extends { on(event: 'error', listener: (error: Error) => void): unknown }>(connection: C): C {
  connection.on('error', () => undefined);
  return connection;
}

/** A promise connection, or an Error whose message is one clear line without the password. */
export async function connectControl(options: ConnectionOptions, withDatabase = true): Promise<PromiseConnection> {
  try {
    try {
      return survivesServerLoss(await mysqlPromise.createConnection(driverOptions(options, withDatabase)));
    } catch (error) {
      if (options.ssl?.mode === 'PREFERRED' && isNoTlsSupport(error)) return survivesServerLoss(await mysqlPromise.createConnection(driverOptions(withoutTls(options), withDatabase)));
      throw error;
    }
  } catch (error) {
    throw new Error(scrubSecret(await explainControlError(error, options, withDatabase), options.password));
  }
}

/**
 * The line shown when the control connection fails. Access denied without TLS is tried once more
 * over TLS (unverified): an account created with REQUIRE SSL is refused exactly like a wrong
 * password, and only this tells the two apart.
 */
async function explainControlError(error: unknown, options: ConnectionOptions, withDatabase: boolean): Promise<string> {
  const where = describeConnection(options);
  const tls = explainTlsError(error, where);
  if (tls) return tls;
  if ((error as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') {
    if (!options.ssl && (await acceptedOverTls(options, withDatabase))) {
      return `cannot connect to ${where}: access denied without TLS: this account requires TLS (REQUIRE SSL); add --ssl-mode REQUIRED, or VERIFY_CA with --ssl-ca <server CA>`;
    }
    if (options.ssl && !options.ssl.cert) {
      return `cannot connect to ${where}: access denied (wrong user or password, or an account that REQUIREs X509 and needs a client certificate: --ssl-cert and --ssl-key)`;
    }
  }
  return explainConnectError(error, where);
}

async function acceptedOverTls(options: ConnectionOptions, withDatabase: boolean): Promise<boolean> {
  try {
    const probe = await mysqlPromise.createConnection({ ...driverOptions(options, withDatabase), ssl: { rejectUnauthorized: false }, connectTimeout: 5000 });
    probe.destroy();
    return true;
  } catch {
    return false;
  }
}

/** The TLS cipher of a session ('' when it is not encrypted). */
export async function sessionCipher(connection: PromiseConnection): Promise<string> {
  const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  return String((rows as Array<{ Value?: string }>)[0]?.Value ?? '');
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
