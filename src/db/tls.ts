/**
 * TLS for both drivers: the `mysql` client's SSL modes turned into each driver's options, and
 * TLS failures turned into one line that says what to do.
 */
import { readFileSync } from 'node:fs';
import type { SslOptions } from 'mysql2';
import type { ConnectionOptions, TlsOptions } from '../config/connection.js';

/** A TLS file that cannot be read: the message names the option and the file. */
export class TlsFileError extends Error {}

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

/**
 * The same modes for the mariadb connector, which takes Node's `tls.connect` options: it checks
 * the host name itself whenever it verifies, so VERIFY_CA turns that check off explicitly.
 */
export interface MariadbTls {
  rejectUnauthorized: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  checkServerIdentity?: () => undefined;
}

export function mariadbTlsOptions(tls: TlsOptions | undefined): MariadbTls | undefined {
  if (!tls || tls.mode === 'DISABLED') return undefined;
  const verify = tls.mode === 'VERIFY_CA' || tls.mode === 'VERIFY_IDENTITY';
  // A fresh object per connection: the connector writes into the one it is given.
  const ssl: MariadbTls = { rejectUnauthorized: verify };
  if (tls.mode === 'VERIFY_CA') ssl.checkServerIdentity = () => undefined;
  if (tls.ca) ssl.ca = readPem('--ssl-ca', tls.ca);
  if (tls.cert) ssl.cert = readPem('--ssl-cert', tls.cert);
  if (tls.key) ssl.key = readPem('--ssl-key', tls.key);
  return ssl;
}

/** A PREFERRED connection falls back to plain text when the server offers no TLS (mysql2's code, then the mariadb connector's). */
export function isNoTlsSupport(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'HANDSHAKE_NO_SSL_SUPPORT' || code === 'ER_SERVER_SSL_DISABLED';
}

export function withoutTls(options: ConnectionOptions): ConnectionOptions {
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
  ER_SERVER_SSL_DISABLED: 'the server does not offer TLS (it runs without ssl-cert/ssl-key), but --ssl-mode asks for it',
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
export function explainTlsError(error: unknown, where: string): string | null {
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
