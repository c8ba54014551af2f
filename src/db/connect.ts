/**
 * Connections. Workers use mysql2's callback API: the baseline measured its promise wrapper at
 * about a third more client CPU per insert, and every client microsecond is taken from the server
 * on a shared machine. Control paths (prepare, sampler, CLI) use the promise API for clarity.
 */
import { readFileSync } from 'node:fs';
import mysql, { type Connection as CallbackConnection, type ConnectionOptions as DriverOptions, type SslOptions } from 'mysql2';
import mysqlPromise, { type Connection as PromiseConnection } from 'mysql2/promise';
import type { ConnectionOptions, TlsOptions } from '../config/connection.js';
import { describeConnection } from '../config/connection.js';
import { explainConnectError } from './errors.js';
import { scrubSecret } from '../config/redact.js';

export type { CallbackConnection, PromiseConnection };

/** A TLS file that cannot be read: the message names the option and the file. */
class TlsFileError extends Error {}

const pemCache = new Map<string, string>();
function readPem(option: string, path: string): string {
  let pem = pemCache.get(path);
  if (pem === undefined) {
    try {
      pem = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TlsFileError(`${option} ${path}: cannot read the file (${code})`);
    }
    pemCache.set(path, pem);
  }
  return pem;
}

/**
 * mysql2's `ssl` for an SSL mode. REQUIRED (and PREFERRED) encrypt without checking the server's
 * certificate, as the `mysql` client does; VERIFY_CA checks the chain against --ssl-ca (Node's
 * bundled CAs when none is given); VERIFY_IDENTITY also checks the host name (or IP) against the
 * certificate. Objects are cached per settings: mysql2 builds one secure context per object.
 */
const sslCache = new Map<string, SslOptions>();
export function tlsDriverOptions(tls: TlsOptions | undefined): SslOptions | undefined {
  if (!tls || tls.mode === 'DISABLED') return undefined;
  const cacheKey = JSON.stringify(tls);
  const cached = sslCache.get(cacheKey);
  if (cached) return cached;
  const verify = tls.mode === 'VERIFY_CA' || tls.mode === 'VERIFY_IDENTITY';
  const ssl: SslOptions & { verifyIdentity?: boolean } = { rejectUnauthorized: verify, verifyIdentity: tls.mode === 'VERIFY_IDENTITY' };
  if (tls.ca) ssl.ca = readPem('--ssl-ca', tls.ca);
  if (tls.cert) ssl.cert = readPem('--ssl-cert', tls.cert);
  if (tls.key) ssl.key = readPem('--ssl-key', tls.key);
  sslCache.set(cacheKey, ssl);
  return ssl;
}

/** A PREFERRED connection falls back to plain text when the server offers no TLS. */
function isNoTlsSupport(error: unknown): boolean {
  return (error as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT';
}

function withoutTls(options: ConnectionOptions): ConnectionOptions {
  const { ssl: _ssl, ...plain } = options;
  return plain;
}

const TLS_VERIFY_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted (give its CA with --ssl-ca, or --ssl-mode REQUIRED to encrypt without verifying)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is not signed by a CA in --ssl-ca (its chain ends in a CA this client does not trust)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by a CA in --ssl-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not signed by a CA in --ssl-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'the server certificate is not signed by a CA in --ssl-ca',
  CERT_SIGNATURE_FAILURE: 'the server certificate is not signed by a CA in --ssl-ca',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host (VERIFY_IDENTITY; VERIFY_CA checks the CA only)',
  HANDSHAKE_NO_SSL_SUPPORT: 'the server does not offer TLS (it runs without ssl-cert/ssl-key), but --ssl-mode asks for it',
};

/** mysql2 reports certificate checks as HANDSHAKE_SSL_ERROR with Node's (OpenSSL's) message. */
const TLS_VERIFY_MESSAGES: Array<[RegExp, string]> = [
  [/^self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/^self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/^unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/^unable to get (local )?issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/^certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/^certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];

/** One line for a TLS failure, or null when the error is not about TLS. */
function explainTlsError(error: unknown, where: string): string | null {
  const e = error as { code?: string; message?: string };
  if (error instanceof TlsFileError) return `cannot connect to ${where}: ${error.message}`;
  const byMessage = TLS_VERIFY_MESSAGES.find(([pattern]) => pattern.test(e.message ?? ''))?.[1];
  const known = (e.code ? TLS_VERIFY_CODES[e.code] : undefined) ?? (byMessage ? TLS_VERIFY_CODES[byMessage] : undefined);
  if (known) return `cannot connect to ${where}: TLS: ${known}`;
  if (e.code === 'EPROTO' || (e.code ?? '').startsWith('ERR_SSL') || /\bSSL\b|\bTLS\b|certificate/i.test(e.message ?? '')) {
    return `cannot connect to ${where}: TLS handshake failed: ${(e.message ?? e.code ?? '').split('\n')[0]}`;
  }
  return null;
}

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
function survivesServerLoss<C extends { on(event: 'error', listener: (error: Error) => void): unknown }>(connection: C): C {
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

/** A callback connection for a worker; resolves once the handshake is done. */
export function connectWorker(options: ConnectionOptions): Promise<CallbackConnection> {
  return connectCallback(options).catch((error: unknown) => {
    if (options.ssl?.mode === 'PREFERRED' && isNoTlsSupport(error)) return connectCallback(withoutTls(options));
    throw error;
  });
}

function connectCallback(options: ConnectionOptions): Promise<CallbackConnection> {
  return new Promise((resolve, reject) => {
    const connection = mysql.createConnection(driverOptions(options));
    connection.connect((error) => {
      if (error) {
        connection.destroy();
        reject(error);
      } else resolve(survivesServerLoss(connection));
    });
  });
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
