/**
 * Connection options resolved the way the MySQL command-line tools resolve them:
 * command-line flags, then the MYSQL_* environment variables the `mysql` client reads, then the
 * `[client]` (and `[innobench]`) sections of `--defaults-file` or `~/.my.cnf`, then defaults.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseIni } from 'ini';

export interface ConnectionOptions {
  host: string;
  port: number;
  socket?: string;
  user: string;
  password?: string;
  database: string;
}

export interface ConnectionFlags {
  host?: string;
  port?: number;
  socket?: string;
  user?: string;
  password?: string;
  database?: string;
  defaultsFile?: string;
}

export const CONNECTION_DEFAULTS = { host: '127.0.0.1', port: 3306, user: 'root', database: 'innobench' } as const;

type OptionFileValues = Partial<Record<'host' | 'port' | 'socket' | 'user' | 'password' | 'database', string>>;

/** Reads the `[client]` and `[innobench]` groups of an option file; later groups win, as in MySQL. */
export function readOptionFile(path: string): OptionFileValues {
  // `!include` directives are not ini; drop them rather than mis-parse them.
  const text = readFileSync(path, 'utf8').replace(/^\s*!include.*$/gim, '');
  const sections = parseIni(text) as Record<string, Record<string, unknown>>;
  const merged: OptionFileValues = {};
  for (const group of ['client', 'innobench']) {
    const section = sections[group];
    if (!section) continue;
    for (const [rawKey, rawValue] of Object.entries(section)) {
      // MySQL treats - and _ alike in option names and strips quotes around values.
      const key = rawKey.replace(/-/g, '_');
      if (!['host', 'port', 'socket', 'user', 'password', 'database'].includes(key)) continue;
      if (typeof rawValue !== 'string') continue;
      merged[key as keyof OptionFileValues] = rawValue.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return merged;
}

export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): ConnectionOptions {
  const fileValues = optionFileValues(flags.defaultsFile, home);
  const port = flags.port ?? numberOrUndefined(env.MYSQL_TCP_PORT) ?? numberOrUndefined(fileValues.port);
  const socket = flags.socket ?? env.MYSQL_UNIX_PORT ?? fileValues.socket;
  const password = flags.password ?? env.MYSQL_PWD ?? fileValues.password;
  const resolved: ConnectionOptions = {
    host: flags.host ?? env.MYSQL_HOST ?? fileValues.host ?? CONNECTION_DEFAULTS.host,
    port: port ?? CONNECTION_DEFAULTS.port,
    user: flags.user ?? env.MYSQL_USER ?? fileValues.user ?? CONNECTION_DEFAULTS.user,
    database: flags.database ?? fileValues.database ?? CONNECTION_DEFAULTS.database,
  };
  if (socket) resolved.socket = socket;
  if (password !== undefined) resolved.password = password;
  return resolved;
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
  const where = options.socket ? `socket ${options.socket}` : `${options.host}:${options.port}`;
  return `${options.user}@${where}/${options.database}${options.password ? ' (password set)' : ''}`;
}
