/**
 * Connection options resolved the way the MySQL command-line tools resolve them:
 * command-line flags, then the MYSQL_* environment variables the `mysql` client reads, then the
 * `[client]` (and `[innobench]`) sections of `--defaults-file` or `~/.my.cnf`, then defaults.
 *
 * TLS follows the `mysql` client's `--ssl-mode` (DISABLED, PREFERRED, REQUIRED, VERIFY_CA,
 * VERIFY_IDENTITY) with `--ssl-ca/--ssl-cert/--ssl-key`, also read from the option file (and
 * MariaDB's `ssl`, `skip-ssl`, `ssl-verify-server-cert` there). One difference: with no TLS option
 * at all innobench does not encrypt (the `mysql` client would try PREFERRED), so that a benchmark's
 * transport never changes behind the user's back; `--ssl-ca` alone means VERIFY_CA, as in MySQL.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { nodeLabel, parseHosts, type NodeAddress } from './hosts.js';

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** TLS settings: plain data (they cross to the load threads); files are read when connecting. */
export interface TlsOptions {
  mode: SslMode;
  /** PEM file of the CA(s) the server's certificate must chain to (VERIFY_CA, VERIFY_IDENTITY). */
  ca?: string;
  /** PEM client certificate and key, for accounts that REQUIRE X509. */
  cert?: string;
  key?: string;
}

/**
 * The drivers a load thread can run on; the control path (prepare, sampler, procedures) always
 * uses mysql2. The default is the one that measured cheaper per operation (README, "Drivers").
 */
export const DRIVERS = ['mysql2', 'mariadb'] as const;
export type DriverName = (typeof DRIVERS)[number];
export const DEFAULT_DRIVER: DriverName = 'mariadb';

export interface ConnectionOptions {
  host: string;
  port: number;
  socket?: string;
  user: string;
  password?: string;
  database: string;
  /** Absent: no TLS (the default). */
  ssl?: TlsOptions;
  /** The nodes of a cluster (--hosts); host and port are then the first node's. */
  hosts?: NodeAddress[];
  /** The workers' driver; absent: DEFAULT_DRIVER. */
  driver?: DriverName;
}

export interface ConnectionFlags {
  host?: string;
  port?: number;
  socket?: string;
  user?: string;
  password?: string;
  database?: string;
  defaultsFile?: string;
  sslMode?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  hosts?: string;
  driver?: string;
}

export const CONNECTION_DEFAULTS = { host: '127.0.0.1', port: 3306, user: 'root', database: 'innobench' } as const;

const OPTION_FILE_KEYS = ['hosts', 'host', 'port', 'socket', 'user', 'password', 'database', 'ssl_mode', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl', 'skip_ssl', 'ssl_verify_server_cert', 'driver'] as const;
type OptionFileValues = Partial<Record<(typeof OPTION_FILE_KEYS)[number], string>>;
/** Options that may stand alone in an option file (`ssl`, `skip-ssl`): present means on. */
const BOOLEAN_KEYS = new Set(['ssl', 'skip_ssl', 'ssl_verify_server_cert']);

/**
 * Reads the `[client]` and `[innobench]` groups of an option file; `[innobench]` wins, as a later
 * group does in MySQL. The file is read the way MySQL reads it (not as generic INI): `#` and `;`
 * start comment lines, `#` also starts a comment after an unquoted value, `;` inside a value is
 * part of it, quotes are stripped (and protect `#`), the escapes \b \t \n \r \\ \s are decoded, a
 * value is always the string written (`true`, `null`), `-` and `_` spell the same option, a bare
 * option (`ssl`, `skip-ssl`) means on, and `!include` directives are ignored (not followed).
 */
export function readOptionFile(path: string): OptionFileValues {
  const groups = parseOptionFile(readFileSync(path, 'utf8'));
  const merged: OptionFileValues = {};
  for (const group of ['client', 'innobench']) {
    for (const [key, value] of groups.get(group) ?? []) {
      if (!(OPTION_FILE_KEYS as readonly string[]).includes(key)) continue;
      const name = key as keyof OptionFileValues;
      if (value === null) {
        if (BOOLEAN_KEYS.has(name)) merged[name] = '1';
        continue;
      }
      merged[name] = value;
    }
  }
  return merged;
}

/** Group name → [option name with _ for -, value or null for a bare option] in file order. */
export function parseOptionFile(text: string): Map<string, Array<[string, string | null]>> {
  const groups = new Map<string, Array<[string, string | null]>>();
  let current: Array<[string, string | null]> | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('!')) continue;
    const group = /^\[([^\]]*)\]/.exec(line);
    if (group) {
      const name = group[1]!.trim().toLowerCase();
      current = groups.get(name) ?? [];
      groups.set(name, current);
      continue;
    }
    if (!current) continue; // options before any group are ignored, as by MySQL
    const equals = line.indexOf('=');
    const rawName = (equals < 0 ? line.replace(/\s#.*$/, '') : line.slice(0, equals)).trim();
    const name = rawName.toLowerCase().replace(/-/g, '_');
    if (!name) continue;
    current.push([name, equals < 0 ? null : optionValue(line.slice(equals + 1))]);
  }
  return groups;
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', r: '\r', '\\': '\\', s: ' ' };

/** An option's value: trimmed, quotes stripped, a `#` comment after an unquoted value dropped, escapes decoded. */
function optionValue(raw: string): string {
  const text = raw.trim();
  const quote = text[0];
  let value = '';
  if (quote === '"' || quote === "'") {
    const end = findClosingQuote(text, quote);
    if (end > 0) return decodeEscapes(text.slice(1, end));
  }
  // Unquoted: a # starts a comment (MySQL), a ; does not.
  const hash = text.search(/(^|\s)#/);
  value = (hash < 0 ? text : text.slice(0, hash)).trim();
  return decodeEscapes(value);
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

function decodeEscapes(text: string): string {
  return text.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole);
}

export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): ConnectionOptions {
  const fileValues = optionFileValues(flags.defaultsFile, home);
  const port = flags.port ?? numberOrUndefined(env.MYSQL_TCP_PORT) ?? numberOrUndefined(fileValues.port);
  // MySQL uses a socket only for `localhost`: the socket comes from the highest-precedence source
  // that says where to connect, so a TCP host or port given on the command line (or in the
  // environment) is never replaced by a socket from a lower one (MYSQL_UNIX_PORT, ~/.my.cnf).
  const socket = pickSocket([
    { socket: flags.socket, tcp: isTcpHost(flags.host) || flags.port !== undefined },
    { socket: env.MYSQL_UNIX_PORT || undefined, tcp: isTcpHost(env.MYSQL_HOST) || numberOrUndefined(env.MYSQL_TCP_PORT) !== undefined },
    { socket: fileValues.socket || undefined, tcp: isTcpHost(fileValues.host) || numberOrUndefined(fileValues.port) !== undefined },
  ]);
  const password = flags.password ?? env.MYSQL_PWD ?? fileValues.password;
  const resolved: ConnectionOptions = {
    host: flags.host ?? env.MYSQL_HOST ?? fileValues.host ?? CONNECTION_DEFAULTS.host,
    port: port ?? CONNECTION_DEFAULTS.port,
    user: flags.user ?? env.MYSQL_USER ?? fileValues.user ?? CONNECTION_DEFAULTS.user,
    database: flags.database ?? fileValues.database ?? CONNECTION_DEFAULTS.database,
  };
  if (socket) resolved.socket = socket;
  if (password !== undefined) resolved.password = password;
  const ssl = resolveTls(flags, fileValues);
  if (ssl) resolved.ssl = ssl;
  // A cluster's nodes: from the flag or the option file (`hosts = a:3306,b:3307`, best in its
  // [innobench] group: the mysql client stops at an option it does not know in [client]).
  const hosts = flags.hosts ?? fileValues.hosts;
  if (hosts !== undefined) {
    resolved.hosts = parseHosts(hosts, resolved.port);
    resolved.host = resolved.hosts[0]!.host;
    resolved.port = resolved.hosts[0]!.port;
    delete resolved.socket;
  }
  const driver = resolveDriver(flags.driver, fileValues.driver);
  if (driver) resolved.driver = driver;
  return resolved;
}

/** --driver over the option file's `driver` (in [innobench]); undefined when neither names one (DEFAULT_DRIVER then). Throws on an unknown name. */
export function resolveDriver(flag: string | undefined, file: string | undefined): DriverName | undefined {
  const given = flag !== undefined ? { text: flag, where: '--driver' } : file !== undefined ? { text: file, where: 'driver in the option file' } : undefined;
  if (!given) return undefined;
  const name = given.text.trim().toLowerCase();
  if ((DRIVERS as readonly string[]).includes(name)) return name as DriverName;
  throw new Error(`${given.where} ${JSON.stringify(given.text.slice(0, 40))}: expected one of ${DRIVERS.join(', ')}`);
}

function isTcpHost(host: string | undefined): boolean {
  return host !== undefined && host !== '' && host.toLowerCase() !== 'localhost';
}

function pickSocket(levels: Array<{ socket: string | undefined; tcp: boolean }>): string | undefined {
  for (const level of levels) {
    if (level.socket) return level.socket;
    if (level.tcp) return undefined;
  }
  return undefined;
}

/** A boolean option-file value: 1, ON, TRUE (MySQL's spelling) or bare. */
function fileFlag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return !/^(0|off|false|no)$/i.test(value.trim());
}

/** The SSL mode a text names, or undefined when it names none (case-insensitive, - or _). */
export function parseSslMode(text: string): SslMode | undefined {
  const normal = text.trim().toUpperCase().replace(/-/g, '_');
  return (SSL_MODES as readonly string[]).includes(normal) ? (normal as SslMode) : undefined;
}

/**
 * TLS from flags over the option file; undefined when nothing asks for it. Throws (one line naming
 * the option) on an unknown mode; the CLI checks the files exist.
 */
export function resolveTls(flags: ConnectionFlags, file: OptionFileValues = {}): TlsOptions | undefined {
  const ca = flags.sslCa ?? file.ssl_ca;
  const cert = flags.sslCert ?? file.ssl_cert;
  const key = flags.sslKey ?? file.ssl_key;
  let mode: SslMode | undefined;
  if (flags.sslMode !== undefined) {
    mode = parseSslMode(flags.sslMode);
    if (!mode) throw new Error(`--ssl-mode ${JSON.stringify(flags.sslMode.slice(0, 40))}: expected one of ${SSL_MODES.join(', ')}`);
  } else if (file.ssl_mode !== undefined) {
    mode = parseSslMode(file.ssl_mode);
    if (!mode) throw new Error(`ssl-mode ${JSON.stringify(file.ssl_mode.slice(0, 40))} in the option file: expected one of ${SSL_MODES.join(', ')}`);
  } else if (fileFlag(file.skip_ssl) || fileFlag(file.ssl) === false) mode = 'DISABLED';
  else if (fileFlag(file.ssl_verify_server_cert)) mode = 'VERIFY_IDENTITY';
  else if (ca) mode = 'VERIFY_CA';
  else if (cert || key || fileFlag(file.ssl)) mode = 'REQUIRED';
  if (!mode || mode === 'DISABLED') return undefined;
  const tls: TlsOptions = { mode };
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return tls;
}

function optionFileValues(defaultsFile: string | undefined, home: string): OptionFileValues {
  if (defaultsFile) {
    if (!existsSync(defaultsFile)) throw new Error(`--defaults-file ${defaultsFile}: no such file`);
    return readOptionFile(defaultsFile);
  }
  const userFile = join(home, '.my.cnf');
  return existsSync(userFile) ? readOptionFile(userFile) : {};
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
}

/** How a connection is shown to people: never with its password. */
export function describeConnection(options: ConnectionOptions): string {
  const where = options.hosts?.length ? options.hosts.map(nodeLabel).join(',') : options.socket ? `socket ${options.socket}` : `${options.host}:${options.port}`;
  const tls = options.ssl && options.ssl.mode !== 'DISABLED' ? `, TLS ${options.ssl.mode}` : '';
  return `${options.user}@${where}/${options.database}${options.password ? ' (password set)' : ''}${tls}`;
}

/** One connection per node (TCP: a socket names one machine), or the run's one connection. */
export function nodeConnections(connection: ConnectionOptions): ConnectionOptions[] {
  if (!connection.hosts?.length) return [connection];
  return connection.hosts.map(({ host, port }) => {
    const { socket: _socket, hosts: _hosts, ...rest } = connection;
    return { ...rest, host, port };
  });
}
