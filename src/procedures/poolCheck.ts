/**
 * The operations guide's connection-pool check, simulated in one process:
 * `processes` mysql2 pools (each standing for one application process), each driven by
 * `concurrency` async tasks running a small workload (`SELECT 1` and an INSERT into a scratch
 * table). Every second a separate connection samples the server's Threads_connected and the
 * sleeping connections of our user and database (information_schema.PROCESSLIST — the guide's
 * `SHOW PROCESSLIST | grep Sleep`), and each pool's checked-out count is read in-process.
 *
 * mysql2 has no public pool statistics: the checked-out count is read from the pool's internals,
 * `_allConnections.length - _freeConnections.length` (and `_allConnections.length` for the open
 * ones), on the callback pool under the promise wrapper. Those fields are private to mysql2
 * (checked with 3.x); `poolInternals` fails with a clear message if they change.
 *
 * The guide's SQLAlchemy settings and what mysql2 has for them (POOL_SETTING_MAP):
 *   DB_POOL_SIZE      → connectionLimit (--pool-size). A hard cap: mysql2 opens connections on
 *                       demand up to it and never beyond.
 *   DB_MAX_OVERFLOW   → no equivalent. To emulate size + overflow, give --pool-size size+overflow
 *                       and --pool-max-idle size: connections above maxIdle are closed once idle
 *                       for --idle-timeout, as SQLAlchemy closes overflow connections on return.
 *   DB_POOL_RECYCLE   → no equivalent: mysql2 never retires a connection by age; idleTimeout only
 *                       closes idle connections above maxIdle. Keep wait_timeout above the
 *                       longest idle time instead.
 *   DB_POOL_PRE_PING  → no equivalent: a connection is not pinged on checkout; one the server
 *                       closed is dropped from the pool when its error event arrives, and a query
 *                       on it fails with "Connection lost" / "gone away".
 *   DB_CONNECT_TIMEOUT→ connectTimeout (--connect-timeout).
 *   pool_timeout      → no equivalent: getConnection waits forever (queueLimit only bounds the
 *                       queue). The harness adds one (--pool-timeout): a task that waits longer
 *                       gets a pool-timeout error, as SQLAlchemy's QueuePool TimeoutError.
 *   (mysql2 only)     maxIdle (--pool-max-idle), idleTimeout (--idle-timeout).
 *
 * `leakEvery` N: the first task of every pool forgets to release its connection every N of its
 * operations (the provoked leak). The leaked connection stays open and checked out.
 *
 * The verdict is analysis/verdicts/poolVerdict's (the guide's checklist); errors are sorted by db/errors.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import mysqlPromise, { type Pool as PromisePool, type PoolConnection } from 'mysql2/promise';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, driverOptions, type PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import { classifyError, POOL_TIMEOUT, type ErrorClass } from '../db/errors.js';
import { emptyErrorCounts, poolVerdict, totalErrors, type ErrorCounts, type PoolSample, type PoolVerdict } from '../analysis/verdicts/poolVerdict.js';

export interface PoolCheckSettings {
  processes: number;
  poolSize: number;
  maxIdle: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  concurrency: number;
  durationMs: number;
  /** 0: no provoked leak. */
  leakEvery: number;
  /** How long a task waits for a connection before a pool-timeout error. */
  poolTimeoutMs: number;
  sampleMs: number;
  /** How long in-flight operations may take to finish after the load stops. */
  drainMs: number;
}

export const DEFAULT_POOL_CHECK: PoolCheckSettings = {
  processes: 2,
  poolSize: 10,
  maxIdle: 10,
  idleTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  concurrency: 20,
  durationMs: 20_000,
  leakEvery: 0,
  poolTimeoutMs: 5_000,
  sampleMs: 1000,
  drainMs: 2000,
};

/** The guide's pool settings, what mysql2 offers for each, and the value used. */
export function poolSettingMap(s: PoolCheckSettings): Array<{ guide: string; mysql2: string; value: string }> {
  return [
    { guide: 'DB_POOL_SIZE', mysql2: 'connectionLimit', value: String(s.poolSize) },
    { guide: 'DB_MAX_OVERFLOW', mysql2: 'none (connectionLimit is a hard cap; emulate: pool-size = size + overflow, pool-max-idle = size)', value: '-' },
    { guide: 'DB_POOL_RECYCLE', mysql2: 'none (no retirement by age; idleTimeout closes idle connections above maxIdle)', value: '-' },
    { guide: 'DB_POOL_PRE_PING', mysql2: 'none (no ping on checkout)', value: '-' },
    { guide: 'DB_CONNECT_TIMEOUT', mysql2: 'connectTimeout', value: `${s.connectTimeoutMs / 1000} s` },
    { guide: 'pool_timeout', mysql2: 'none (getConnection waits forever); emulated by the harness', value: `${s.poolTimeoutMs / 1000} s` },
    { guide: '-', mysql2: 'maxIdle', value: String(s.maxIdle) },
    { guide: '-', mysql2: 'idleTimeout', value: `${s.idleTimeoutMs / 1000} s` },
  ];
}

export class PoolTimeoutError extends Error {
  readonly code = POOL_TIMEOUT;
}

// ---------------------------------------------------------------------------------------------
// mysql2 internals
// ---------------------------------------------------------------------------------------------

/** The length of one of the callback pool's private arrays, or null when it is not there. */
function privateLength(core: object, field: string): number | null {
  const value: unknown = Reflect.get(core, field);
  if (typeof value !== 'object' || value === null || !('length' in value)) return null;
  const length = value.length;
  return typeof length === 'number' ? length : null;
}

/** The callback pool under mysql2's promise pool, with the private fields read here (see the header). */
export function poolInternals(pool: PromisePool): { checkedOut: number; open: number; queued: number } {
  const core: object = pool.pool;
  const all = privateLength(core, '_allConnections');
  const free = privateLength(core, '_freeConnections');
  const queued = privateLength(core, '_connectionQueue');
  if (all === null || free === null || queued === null) {
    throw new Error("mysql2's pool internals (_allConnections, _freeConnections, _connectionQueue) are not where pool-check reads them: this mysql2 version is not supported");
  }
  return { open: all, checkedOut: all - free, queued };
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

export interface PoolCheckResult {
  settings: PoolCheckSettings;
  scratchTable: string;
  maxConnections: number | null;
  before: PoolSample;
  samples: PoolSample[];
  afterDrain: PoolSample;
  afterClose: PoolSample;
  ops: number;
  elapsedSec: number;
  opsPerSec: number;
  /** Connections the provoked leak forgot (known to the workload, for the report; the verdict does not read it). */
  provokedLeaks: number;
  errors: ErrorCounts;
  firstErrors: Partial<Record<ErrorClass, string>>;
  verdict: PoolVerdict;
}

export interface PoolCheckHooks {
  /** Called with each sample taken while the load runs. */
  onSample?: (sample: PoolSample) => void;
}

/**
 * Runs the simulation against `connection.database` (which must exist). Creates a scratch table
 * `pool_check_<random>` there and drops it afterwards.
 */
export async function runPoolCheck(connection: ConnectionOptions, settings: PoolCheckSettings, hooks: PoolCheckHooks = {}): Promise<PoolCheckResult> {
  const control = await connectControl(connection);
  const scratchTable = `pool_check_${Math.random().toString(16).slice(2, 10)}`;
  const scratch = quoteIdent(scratchTable);
  const pools: PromisePool[] = [];
  try {
    const [vars] = await control.query('SELECT @@max_connections AS maxConnections');
    const maxConnections = Number((vars as Array<{ maxConnections: number }>)[0]?.maxConnections ?? NaN);
    await control.query(
      `CREATE TABLE ${scratch} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, pool TINYINT UNSIGNED NOT NULL, task SMALLINT UNSIGNED NOT NULL,
        note VARCHAR(32) NOT NULL DEFAULT '', created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
    );
    const zero = new Array<number>(settings.processes).fill(0);
    const before = { ...(await serverSample(control, connection)), t: 0, checkedOut: zero, open: zero, waiting: zero, ops: 0, errors: 0 };

    for (let p = 0; p < settings.processes; p++) {
      pools.push(
        mysqlPromise.createPool({
          ...driverOptions(connection),
          connectionLimit: settings.poolSize,
          maxIdle: settings.maxIdle,
          idleTimeout: settings.idleTimeoutMs,
          connectTimeout: settings.connectTimeoutMs,
          waitForConnections: true,
          queueLimit: 0,
        }),
      );
    }
    pools.forEach((pool) => poolInternals(pool)); // fail early if mysql2's internals moved

    const errors = emptyErrorCounts();
    const firstErrors: Partial<Record<ErrorClass, string>> = {};
    let ops = 0;
    let errorCount = 0;
    let provokedLeaks = 0;
    let stopped = false;
    const stop = new AbortController();
    setMaxListeners(0, stop.signal); // every waiting task listens
    const record = (error: unknown): void => {
      if (stopped && /Pool is closed/i.test(String((error as Error)?.message))) return;
      const kind = classifyError(error);
      errors[kind]++;
      errorCount++;
      firstErrors[kind] ??= error instanceof Error ? error.message : String(error);
    };

    // Tasks waiting for a connection, counted here: mysql2's _connectionQueue also keeps the
    // requests of tasks that gave up at the pool timeout.
    const waiting = new Array<number>(settings.processes).fill(0);
    const task = async (poolIndex: number, taskIndex: number): Promise<void> => {
      const pool = pools[poolIndex]!;
      let mine = 0;
      while (!stopped) {
        let conn: PoolConnection;
        waiting[poolIndex]!++;
        try {
          conn = await acquire(pool, settings.poolTimeoutMs, stop.signal);
        } catch (error) {
          if (stopped) break;
          record(error);
          continue;
        } finally {
          waiting[poolIndex]!--;
        }
        let broken = false;
        try {
          await conn.query('SELECT 1');
          await conn.query(`INSERT INTO ${scratch} (pool, task, note) VALUES (?, ?, ?)`, [poolIndex, taskIndex, 'pool-check']);
          ops++;
          mine++;
        } catch (error) {
          record(error);
          broken = true;
        }
        if (!broken && taskIndex === 0 && settings.leakEvery > 0 && mine % settings.leakEvery === 0) {
          provokedLeaks++; // forgotten: neither released nor closed
          continue;
        }
        if (broken) conn.destroy();
        else conn.release();
      }
    };

    const started = Date.now();
    const tasks: Array<Promise<void>> = [];
    for (let p = 0; p < settings.processes; p++) for (let k = 0; k < settings.concurrency; k++) tasks.push(task(p, k));

    const samples: PoolSample[] = [];
    let lastOps = 0;
    let lastErrors = 0;
    const sampleNow = async (t: number): Promise<PoolSample> => {
      const server = await serverSample(control, connection);
      const internals = pools.map(poolInternals);
      const sample: PoolSample = {
        t,
        ...server,
        checkedOut: internals.map((i) => i.checkedOut),
        open: internals.map((i) => i.open),
        waiting: [...waiting],
        ops: ops - lastOps,
        errors: errorCount - lastErrors,
      };
      lastOps = ops;
      lastErrors = errorCount;
      return sample;
    };
    for (let k = 1; k * settings.sampleMs <= settings.durationMs; k++) {
      await sleep(started + k * settings.sampleMs - Date.now());
      const sample = await sampleNow((Date.now() - started) / 1000);
      samples.push(sample);
      hooks.onSample?.(sample);
    }
    await sleep(started + settings.durationMs - Date.now());
    stopped = true;
    stop.abort();
    const elapsedSec = (Date.now() - started) / 1000;
    const opsAtStop = ops;

    // Drain: tasks finish their operation; those waiting for a connection give up at their next wake-up.
    await Promise.race([Promise.all(tasks), sleep(settings.drainMs)]);
    const afterDrain = await sampleNow((Date.now() - started) / 1000);

    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    pools.length = 0;
    await Promise.race([Promise.all(tasks), sleep(settings.drainMs)]);
    await sleep(200); // let the server register the closed connections
    const server = await serverSample(control, connection);
    const afterClose: PoolSample = { ...server, t: (Date.now() - started) / 1000, checkedOut: zero, open: zero, waiting: zero, ops: 0, errors: 0 };

    const verdict = poolVerdict({
      poolSize: settings.poolSize,
      processes: settings.processes,
      maxConnections: Number.isFinite(maxConnections) ? maxConnections : null,
      samples,
      afterDrain,
      errors,
    });
    return {
      settings,
      scratchTable,
      maxConnections: Number.isFinite(maxConnections) ? maxConnections : null,
      before,
      samples,
      afterDrain,
      afterClose,
      ops: opsAtStop,
      elapsedSec,
      opsPerSec: opsAtStop / elapsedSec,
      provokedLeaks,
      errors,
      firstErrors,
      verdict,
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await control.query(`DROP TABLE IF EXISTS ${scratch}`).catch(() => undefined);
    await control.end().catch(() => undefined);
  }
}

/**
 * getConnection with a timeout (mysql2 has none), given up early when `signal` aborts. A
 * connection that arrives after either is released straight back.
 */
function acquire(pool: PromisePool, timeoutMs: number, signal: AbortSignal): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(new Error('stopped'));
    };
    const timer = setTimeout(() => {
      if (finish()) reject(new PoolTimeoutError(`pool timeout: no connection within ${timeoutMs / 1000} s (all ${poolInternals(pool).open} checked out)`));
    }, timeoutMs);
    signal.addEventListener('abort', onAbort);
    pool.getConnection().then(
      (conn) => {
        if (finish()) resolve(conn);
        else conn.release();
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}

async function serverSample(control: PromiseConnection, connection: ConnectionOptions): Promise<Pick<PoolSample, 'threadsConnected' | 'own' | 'sleeping'>> {
  const [status] = await control.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  const [mine] = await control.query(
    `SELECT COUNT(*) AS own, COALESCE(SUM(COMMAND = 'Sleep'), 0) AS sleeping FROM information_schema.PROCESSLIST
     WHERE USER = ? AND DB = ? AND ID <> CONNECTION_ID()`,
    [connection.user, connection.database],
  );
  const row = (mine as Array<{ own: number; sleeping: number }>)[0];
  return {
    threadsConnected: Number((status as Array<{ Value: string }>)[0]?.Value ?? NaN),
    own: Number(row?.own ?? 0),
    sleeping: Number(row?.sleeping ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

export function formatSample(s: PoolSample, poolSize: number): string {
  const pools = s.checkedOut.map((c, p) => `${c}/${poolSize}${s.waiting[p] ? ` +${s.waiting[p]} waiting` : ''}`).join(', ');
  return `  t=${s.t.toFixed(0).padStart(3)}s  Threads_connected ${s.threadsConnected}  own ${s.own} (sleep ${s.sleeping})  checked out [${pools}]  ${s.ops} ops  ${s.errors} errors`;
}

/** The before/after-style table: connections, leak count, errors, throughput. */
export function formatPoolTable(r: PoolCheckResult): string[] {
  const total = r.settings.poolSize * r.settings.processes;
  const peak = (f: (s: PoolSample) => number): number => Math.max(...r.samples.map(f), 0);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const rows: string[][] = [
    ['metric', 'before load', 'during load (peak)', 'after load (drained)', 'after pools closed'],
    ['Threads_connected (server)', String(r.before.threadsConnected), String(peak((s) => s.threadsConnected)), String(r.afterDrain.threadsConnected), String(r.afterClose.threadsConnected)],
    ['own connections (sleeping)', `${r.before.own} (${r.before.sleeping})`, `${peak((s) => s.own)} (${peak((s) => s.sleeping)})`, `${r.afterDrain.own} (${r.afterDrain.sleeping})`, `${r.afterClose.own} (${r.afterClose.sleeping})`],
    [`checked out (of ${total})`, '0', String(peak((s) => sum(s.checkedOut))), String(sum(r.afterDrain.checkedOut)), '-'],
    ['leak count', '-', '-', String(r.verdict.leakCount), '-'],
    ['errors', '-', String(totalErrors(r.errors)), '-', '-'],
    ['throughput', '-', `${r.opsPerSec.toFixed(0)} ops/s (${r.ops} in ${r.elapsedSec.toFixed(1)} s)`, '-', '-'],
  ];
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((row) => row[k]!.length)));
  return rows.map((row) => '  ' + row.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join('  '));
}
