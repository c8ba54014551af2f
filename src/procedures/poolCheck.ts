/**
 * The operations guide's connection-pool check, simulated in one process:
 * `processes` mysql2 pools (each standing for one application process), each driven by
 * `concurrency` async tasks running a small workload (`SELECT 1` and an INSERT into a scratch
 * table). Every second a separate connection samples the server's Threads_connected and the
 * sleeping connections of our user and database (information_schema.PROCESSLIST — the guide's
 * `SHOW PROCESSLIST | grep Sleep`), and each pool's checked-out count is read in-process.
 *
 * mysql2 has no public pool statistics (poolLoad.ts): the checked-out count is read from the pool's internals,
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
import { setTimeout as sleep } from 'node:timers/promises';
import mysqlPromise, { type Pool as PromisePool } from 'mysql2/promise';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, driverOptions, type PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import type { ErrorClass } from '../db/errors.js';
import { poolVerdict, totalErrors, type ErrorCounts, type PoolSample, type PoolVerdict } from '../analysis/verdicts/poolVerdict.js';
import { PoolLoad, poolInternals } from './poolLoad.js';

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
    const maxConnections = await maxConnectionsOf(control);
    await control.query(
      `CREATE TABLE ${scratch} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, pool TINYINT UNSIGNED NOT NULL, task SMALLINT UNSIGNED NOT NULL,
        note VARCHAR(32) NOT NULL DEFAULT '', created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
    );
    const zero = new Array<number>(settings.processes).fill(0);
    const before = { ...(await serverSample(control, connection)), t: 0, checkedOut: zero, open: zero, waiting: zero, ops: 0, errors: 0 };
    pools.push(...createPools(connection, settings));
    pools.forEach((pool) => poolInternals(pool)); // fail early if mysql2's internals moved
    const load = new PoolLoad(pools, settings, scratch);
    const started = Date.now();
    load.start();
    const sampleAt = async (): Promise<PoolSample> => {
      const t = (Date.now() - started) / 1000;
      return load.sample(t, await serverSample(control, connection));
    };
    const samples = await sampleWhileRunning(settings, started, sampleAt, hooks);
    await sleep(started + settings.durationMs - Date.now());
    load.halt();
    const elapsedSec = (Date.now() - started) / 1000;
    const opsAtStop = load.ops;
    // Drain: tasks finish their operation; those waiting for a connection give up at their next wake-up.
    await load.settle(settings.drainMs);
    const afterDrain = await sampleAt();
    await load.close();
    await load.settle(settings.drainMs);
    await sleep(200); // let the server register the closed connections
    const server = await serverSample(control, connection);
    const afterClose: PoolSample = { ...server, t: (Date.now() - started) / 1000, checkedOut: zero, open: zero, waiting: zero, ops: 0, errors: 0 };
    const { errors, firstErrors, provokedLeaks } = load;
    const verdict = poolVerdict({ poolSize: settings.poolSize, processes: settings.processes, maxConnections, samples, afterDrain, errors });
    return { settings, scratchTable, maxConnections, before, samples, afterDrain, afterClose, ops: opsAtStop, elapsedSec, opsPerSec: opsAtStop / elapsedSec, provokedLeaks, errors, firstErrors, verdict };
  } finally {
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await control.query(`DROP TABLE IF EXISTS ${scratch}`).catch(() => undefined);
    await control.end().catch(() => undefined);
  }
}

async function maxConnectionsOf(control: PromiseConnection): Promise<number | null> {
  const [vars] = await control.query('SELECT @@max_connections AS maxConnections');
  const maxConnections = Number((vars as Array<{ maxConnections: number }>)[0]?.maxConnections ?? NaN);
  return Number.isFinite(maxConnections) ? maxConnections : null;
}

/** One pool per simulated application process, with the guide's settings mapped onto mysql2's. */
function createPools(connection: ConnectionOptions, settings: PoolCheckSettings): PromisePool[] {
  return Array.from({ length: settings.processes }, () =>
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

/** A sample every sampleMs of the run, on the clock from `started` so that slow samples do not drift. */
async function sampleWhileRunning(settings: PoolCheckSettings, started: number, sampleAt: () => Promise<PoolSample>, hooks: PoolCheckHooks): Promise<PoolSample[]> {
  const samples: PoolSample[] = [];
  for (let k = 1; k * settings.sampleMs <= settings.durationMs; k++) {
    await sleep(started + k * settings.sampleMs - Date.now());
    const sample = await sampleAt();
    samples.push(sample);
    hooks.onSample?.(sample);
  }
  return samples;
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
