/**
 * A private, throw-away MariaDB for the fault tests: its own data directory under the system's
 * temporary folder, its own socket and a free TCP port on 127.0.0.1. Tests may kill it, restart it
 * and change its global settings: the shared server on 3306 is never touched.
 *
 *   const server = await startDisposableServer();
 *   await server.kill('SIGKILL'); await server.start(); await server.restart(); await server.remove();
 *
 * `mariadb-install-db --no-defaults` creates the data directory (root with an empty password, normal
 * authentication, so TCP logins work), then `mariadbd --no-defaults` runs it with a small buffer pool
 * and redo log. A watchdog shell process kills the server and removes the folder if the test process
 * dies without calling `remove()` (a test runner timeout, a crash).
 *
 * When the MariaDB server binaries are not installed, `disposableServerSkipReason()` says so and the
 * fault tests skip with that message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlPromise, { type Connection } from 'mysql2/promise';

export interface DisposableServerOptions {
  /** Extra mariadbd options, e.g. ['--ssl-ca=…', '--max-connections=20']. */
  args?: string[];
  /** How long start() waits for the server to answer (ms). */
  startTimeoutMs?: number;
}

export interface DisposableServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly socket: string;
  /** The temporary folder holding data/, sock, pid, error.log. */
  readonly dir: string;
  readonly datadir: string;
  readonly errorLog: string;
  /** The running mariadbd's pid, or null while it is down. */
  pid(): number | null;
  /** Sends a signal (default SIGKILL) and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the server again on the same port, socket and data; resolves once it answers. `args`
   * replaces the extra mariadbd options given at creation, for this and later starts.
   */
  start(args?: string[]): Promise<void>;
  /** A clean shutdown (SHUTDOWN, like `mariadb-admin shutdown`), then start(). */
  restart(): Promise<void>;
  /** A clean shutdown; the data stays. */
  stop(): Promise<void>;
  /** Stops the server (SIGKILL if a clean stop does not come quickly) and deletes its folder. */
  remove(): Promise<void>;
  /** Runs one statement as root on a short-lived connection. */
  query<T = unknown>(sql: string, params?: unknown[], database?: string): Promise<T>;
  /** A root connection (the caller ends it). */
  connect(database?: string, extra?: Record<string, unknown>): Promise<Connection>;
  /** CLI flags that point innobench at this server (TCP), as root with an empty password unless told. */
  connectionArgs(database: string, user?: string, password?: string): string[];
  /** The last lines of the server's error log (for assertion messages). */
  errorLogTail(lines?: number): string;
}

const INSTALL_DB_CANDIDATES = ['mariadb-install-db', '/usr/bin/mariadb-install-db', '/usr/local/bin/mariadb-install-db', '/usr/local/mysql/scripts/mariadb-install-db'];
const SERVER_CANDIDATES = ['mariadbd', '/usr/sbin/mariadbd', '/usr/libexec/mariadbd', '/usr/local/bin/mariadbd', '/usr/local/mysql/bin/mariadbd'];

function findExecutable(candidates: string[]): string | null {
  for (const candidate of candidates) {
    if (candidate.includes('/')) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    const found = spawnSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

let binaries: { installDb: string; server: string } | null | undefined;
function findBinaries(): { installDb: string; server: string } | null {
  if (binaries !== undefined) return binaries;
  const installDb = findExecutable(INSTALL_DB_CANDIDATES);
  const server = findExecutable(SERVER_CANDIDATES);
  binaries = installDb && server ? { installDb, server } : null;
  return binaries;
}

/** Why the disposable server cannot run here (tests skip with this message), or false when it can. */
export function disposableServerSkipReason(): string | false {
  if (process.env.IB_SKIP_DISPOSABLE_SERVER) return 'IB_SKIP_DISPOSABLE_SERVER is set';
  if (process.platform === 'win32') return 'the disposable MariaDB needs a Unix system';
  const found = findBinaries();
  if (!found) return 'mariadb-install-db / mariadbd not found: install mariadb-server to run the fault tests on a private server';
  return false;
}

/** A TCP port nobody listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** A pause that does not keep the process alive on its own. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startDisposableServer(options: DisposableServerOptions = {}): Promise<DisposableServer> {
  const reason = disposableServerSkipReason();
  if (reason) throw new Error(`cannot start a disposable MariaDB: ${reason}`);
  const { installDb, server: serverBinary } = findBinaries()!;
  const dir = mkdtempSync(join(tmpdir(), 'ib-disposable-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'sock');
  const pidFile = join(dir, 'pid');
  const errorLog = join(dir, 'error.log');
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  // The same sizes for the bootstrap as for the server: the redo log is created at install time.
  const sizes = ['--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M'];

  // Whatever happens to this process, the server dies and the folder goes: a detached shell that
  // waits for this process to end, then kills the pid in the pid file (restarts change it).
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; if [ -f "$1/pid" ]; then kill -9 "$(cat "$1/pid")" 2>/dev/null; fi; sleep 0.5; rm -rf "$1"`, 'ib-disposable-watchdog', dir],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  const install = spawnSync(
    installDb,
    ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root', ...sizes],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (install.status !== 0) {
    const output = `${install.stdout ?? ''}\n${install.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (exit ${install.status}):\n${output}`);
  }

  const port = await freePort();
  let extraArgs = options.args ?? [];
  const baseArgs = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    `--pid-file=${pidFile}`,
    `--log-error=${errorLog}`,
    ...sizes,
    '--innodb-flush-log-at-trx-commit=1',
    '--skip-log-bin',
    '--max-connections=151',
    // Nothing the tests need; saves memory and start-up time on a shared 2-core machine.
    '--performance-schema=OFF',
  ];

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let removed = false;

  const errorLogTail = (lines = 20): string => {
    try {
      return readFileSync(errorLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  };

  const connect = (database?: string, extra: Record<string, unknown> = {}): Promise<Connection> =>
    mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', ...(database ? { database } : {}), connectTimeout: 5000, ...extra });

  const answers = async (): Promise<boolean> => {
    try {
      const connection = await connect(undefined, { connectTimeout: 2000 });
      await connection.query('SELECT 1');
      await connection.end();
      return true;
    } catch {
      return false;
    }
  };

  const start = async (args?: string[]): Promise<void> => {
    if (removed) throw new Error('the disposable server was removed');
    if (child && child.exitCode === null && child.signalCode === null) throw new Error('the disposable server is already running');
    if (args) extraArgs = args;
    const started = spawn(serverBinary, [...baseArgs, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`mariadbd exited while starting (${started.exitCode ?? started.signalCode}):\n${stderr}\n${errorLogTail()}`);
      }
      if (await answers()) return;
      await sleep(100);
    }
    started.kill('SIGKILL');
    throw new Error(`mariadbd did not answer on 127.0.0.1:${port} within ${startTimeoutMs} ms:\n${errorLogTail()}`);
  };

  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!running()) return;
    child!.kill(signal);
    await exited;
  };

  const stop = async (): Promise<void> => {
    if (!running()) return;
    try {
      const connection = await connect();
      // The SHUTDOWN statement (MariaDB 10.0.4+) is what `mariadb-admin shutdown` sends.
      await connection.query('SHUTDOWN').catch(() => undefined);
      connection.destroy();
    } catch {
      child!.kill('SIGTERM');
    }
    const timeout = sleep(60_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited.then(() => 'exited' as const), timeout])) === 'timeout') await kill('SIGKILL');
  };

  const server: DisposableServer = {
    host: '127.0.0.1',
    port,
    socket,
    dir,
    datadir,
    errorLog,
    pid: () => (running() ? (child!.pid ?? null) : null),
    kill,
    start: (args?: string[]) => start(args),
    stop,
    async restart() {
      await stop();
      await start();
    },
    async remove() {
      if (removed) return;
      try {
        if (running()) {
          // A clean stop when it is quick, so that nothing lingers; else SIGKILL.
          const stopped = await Promise.race([stop().then(() => true), sleep(10_000).then(() => false)]);
          if (!stopped) await kill('SIGKILL');
        }
      } finally {
        removed = true;
        if (watchdog.pid && processAlive(watchdog.pid)) {
          try {
            process.kill(watchdog.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async query<T = unknown>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
      const connection = await connect(database);
      try {
        const [rows] = await connection.query(sql, params);
        return rows as T;
      } finally {
        await connection.end();
      }
    },
    connect,
    connectionArgs(database: string, user = 'root', password = '') {
      return ['--host', '127.0.0.1', '--port', String(port), '--user', user, '--database', database, `--password=${password}`];
    },
    errorLogTail,
  };

  try {
    await start();
  } catch (error) {
    await server.remove().catch(() => undefined);
    throw error;
  }
  return server;
}

/** Writes a file and returns its path (for option files and certificates in a test's folder). */
export function writeFileIn(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/**
 * Calls each action once, the first time a line of the child's stderr matches its pattern (e.g.
 * kill the server when the run prints its `[ 2s ]` interval line). Resolves with every action's
 * outcome once the child has closed; an action that throws rejects it.
 */
export function onStderrLines(child: ChildProcess, steps: Array<{ pattern: RegExp; action: () => Promise<void> | void }>): Promise<void> {
  const pending: Array<Promise<void>> = [];
  const fired = new Set<number>();
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer | string) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      steps.forEach((step, index) => {
        if (fired.has(index) || !step.pattern.test(line)) return;
        fired.add(index);
        pending.push(Promise.resolve().then(step.action));
      });
    }
  });
  return new Promise((resolve, reject) => {
    child.once('close', () => {
      Promise.all(pending).then(() => {
        const missed = steps.filter((_, index) => !fired.has(index)).map((step) => String(step.pattern));
        if (missed.length) reject(new Error(`the run never printed a line matching ${missed.join(', ')}`));
        else resolve();
      }, reject);
    });
  });
}
