/**
 * The matrix's runs are child processes (`innobench run … --json`), one at a time, each in its own
 * process group so that one Ctrl-C reaches it once (forwarded by the matrix).
 *
 * A child connects exactly as the matrix did: host, port, user and socket in the MYSQL_* variables
 * the mysql tools read, the password in MYSQL_PWD (never on a command line, which `ps` shows to
 * every user), and the database, TLS options and option file as flags. Every value is the one the
 * matrix resolved, so neither the child's environment nor an option file can point it elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ConnectionOptions } from '../config/connection.js';

/** The connection as the child receives it: flags (no secret among them) and its environment. */
export function childConnection(connection: ConnectionOptions, defaultsFile: string | undefined, parentEnv: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(parentEnv)) if (!key.startsWith('MYSQL_')) env[key] = value;
  env.MYSQL_HOST = connection.host;
  env.MYSQL_TCP_PORT = String(connection.port);
  env.MYSQL_USER = connection.user;
  if (connection.socket) env.MYSQL_UNIX_PORT = connection.socket;
  // Set even when empty, so that no option file's password is used instead.
  env.MYSQL_PWD = connection.password ?? '';

  const args = ['--database', connection.database];
  // Given explicitly even when off, so that an option file's ssl settings cannot turn TLS on for the runs alone.
  args.push('--ssl-mode', connection.ssl?.mode ?? 'DISABLED');
  if (connection.ssl?.ca) args.push('--ssl-ca', connection.ssl.ca);
  if (connection.ssl?.cert) args.push('--ssl-cert', connection.ssl.cert);
  if (connection.ssl?.key) args.push('--ssl-key', connection.ssl.key);
  if (connection.driver) args.push('--driver', connection.driver);
  if (defaultsFile !== undefined) args.push('--defaults-file', defaultsFile);
  return { args, env };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <cliEntry> …args`; stderr is passed through live when `forwardStderr`. */
export function runChild(cliEntry: string, args: string[], env: NodeJS.ProcessEnv, forwardStderr: boolean, onSpawn: (child: ChildProcess) => void): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    onSpawn(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (forwardStderr) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
