/**
 * The operations guide's connection-pool check (TODO-02), simulated in one process:
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
 * The verdict (poolVerdict) follows the guide's checklist: a leak is seen when checked-out
 * connections grow to the pool limit over the samples, when connections remain checked out after
 * the load stopped and in-flight operations drained, when a pool starves (no operation completes
 * while tasks wait at the limit), or when sleeping connections exceed pool size × processes; any
 * "gone away", lost-connection, pool-timeout or too-many-connections error fails the check; and
 * the planned total, processes × pool size, must stay under 80 % of max_connections.
 */
import { leastSquaresSlope } from '../analysis/stats.js';
import { setMaxListeners } from 'node:events';
import mysqlPromise, { type Pool as PromisePool, type PoolConnection } from 'mysql2/promise';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, driverOptions, type PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';

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
// Errors
// ---------------------------------------------------------------------------------------------

export type ErrorKind = 'goneAway' | 'lostConnection' | 'poolTimeout' | 'tooManyConnections' | 'connectTimeout' | 'other';

export const ERROR_LABELS: Record<ErrorKind, string> = {
  goneAway: '"server has gone away"',
  lostConnection: 'lost connection',
  poolTimeout: 'pool timeout',
  tooManyConnections: 'too many connections',
  connectTimeout: 'connect timeout',
  other: 'other',
};

export class PoolTimeoutError extends Error {
  readonly code = 'POOL_TIMEOUT';
}

export function classifyError(error: unknown): ErrorKind {
  const e = error as { code?: string; errno?: number; message?: string } | null;
  const message = e?.message ?? String(error);
  if (error instanceof PoolTimeoutError || e?.code === 'POOL_TIMEOUT') return 'poolTimeout';
  if (e?.errno === 2006 || /gone away/i.test(message)) return 'goneAway';
  if (e?.errno === 2013 || e?.code === 'PROTOCOL_CONNECTION_LOST' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || /lost connection|connection lost/i.test(message)) return 'lostConnection';
  if (e?.errno === 1040 || e?.code === 'ER_CON_COUNT_ERROR' || /too many connections/i.test(message)) return 'tooManyConnections';
  if (e?.code === 'ETIMEDOUT' || /connect ETIMEDOUT|connect timeout/i.test(message)) return 'connectTimeout';
  return 'other';
}

export type ErrorCounts = Record<ErrorKind, number>;

export function emptyErrorCounts(): ErrorCounts {
  return { goneAway: 0, lostConnection: 0, poolTimeout: 0, tooManyConnections: 0, connectTimeout: 0, other: 0 };
}

function totalErrors(counts: ErrorCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------------------------------------
// Samples and the verdict (pure)
// ---------------------------------------------------------------------------------------------

export interface PoolSample {
  /** Seconds since the load started (negative: before it). */
  t: number;
  /** The server's Threads_connected (every client, not only ours). */
  threadsConnected: number;
  /** Our user's connections to our database, the sampler excluded. */
  own: number;
  /** Of those, in COMMAND Sleep. */
  sleeping: number;
  /** Per pool: connections checked out (in use or leaked). */
  checkedOut: number[];
  /** Per pool: connections open. */
  open: number[];
  /** Per pool: tasks waiting for a connection (counted by the workload). */
  waiting: number[];
  /** Operations completed since the previous sample. */
  ops: number;
  /** Errors since the previous sample. */
  errors: number;
}

export interface VerdictInput {
  poolSize: number;
  processes: number;
  maxConnections: number | null;
  /** The samples taken while the load ran. */
  samples: readonly PoolSample[];
  /** Checked-out and sleeping connections once the load stopped and in-flight operations finished. */
  afterDrain: Pick<PoolSample, 'checkedOut' | 'sleeping'>;
  errors: ErrorCounts;
}

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
}

export interface PoolVerdict {
  healthy: boolean;
  leak: boolean;
  /** Connections never returned (checked out after the drain). */
  leakCount: number;
  findings: Finding[];
}

export const BUDGET_FRACTION = 0.8;

/** Least-squares slope (shared with the soak check). */
export const slope = leastSquaresSlope;

/**
 * Growth of one pool's checked-out count, either
 *  - to the limit: a positive slope, the last samples (up to 2) at the pool limit, and the first
 *    half of the run below it at least once (a pool busy at its limit from the start is saturated,
 *    not leaking: the drain check decides that case); or
 *  - steadily: never decreasing, rising by at least max(2, 20 % of the limit) over the run.
 */
export function checkedOutGrowth(samples: readonly PoolSample[], pool: number, limit: number): { grew: boolean; slopePerSec: number; from: number; to: number } {
  const ys = samples.map((s) => s.checkedOut[pool] ?? 0);
  const xs = samples.map((s) => s.t);
  const perSec = slope(xs, ys);
  const from = ys[0] ?? 0;
  const to = ys[ys.length - 1] ?? 0;
  if (ys.length < 3 || perSec <= 0) return { grew: false, slopePerSec: perSec, from, to };
  const tail = ys.slice(-2);
  const head = ys.slice(0, Math.floor(ys.length / 2));
  const toLimit = tail.every((y) => y >= limit) && Math.min(...head) < limit;
  const steady = ys.every((y, k) => k === 0 || y >= ys[k - 1]!) && perSec * (xs[xs.length - 1]! - xs[0]!) >= Math.max(2, 0.2 * limit);
  return { grew: toLimit || steady, slopePerSec: perSec, from, to };
}

export function poolVerdict(input: VerdictInput): PoolVerdict {
  const findings: Finding[] = [];
  const { poolSize, processes, samples } = input;
  const total = poolSize * processes;

  // 1. Checked-out connections growing to the limit.
  const grown: string[] = [];
  for (let p = 0; p < processes; p++) {
    const g = checkedOutGrowth(samples, p, poolSize);
    if (g.grew) grown.push(`pool ${p + 1}: ${g.from} → ${g.to} (+${g.slopePerSec.toFixed(2)}/s)`);
  }
  findings.push({
    check: 'checked-out connections do not grow',
    ok: grown.length === 0,
    detail: grown.length ? `grew (limit ${poolSize}): ${grown.join('; ')}` : `no pool's count grew over ${samples.length} samples`,
  });

  // 2. Connections still checked out once the load stopped and in-flight operations finished.
  const leakCount = input.afterDrain.checkedOut.reduce((a, b) => a + b, 0);
  findings.push({
    check: 'every connection returned after the load',
    ok: leakCount === 0,
    detail: leakCount ? `${leakCount} connection(s) still checked out after the drain (${input.afterDrain.checkedOut.join(' + ')}): never released` : 'all returned',
  });

  // 3. A pool starved: nothing completed in the last sample while tasks waited at the limit.
  const last = samples[samples.length - 1];
  const starved = last ? last.checkedOut.map((c, p) => (c >= poolSize && (last.waiting[p] ?? 0) > 0 && last.ops === 0 ? p + 1 : 0)).filter(Boolean) : [];
  findings.push({
    check: 'no pool starved',
    ok: starved.length === 0,
    detail: starved.length ? `pool(s) ${starved.join(', ')}: all ${poolSize} connections checked out, tasks waiting, no operation completed in the last second` : 'operations kept completing',
  });

  // 4. Sleeping connections within the pools' size (the guide's `grep Sleep | wc -l`).
  const maxSleeping = Math.max(input.afterDrain.sleeping, ...samples.map((s) => s.sleeping));
  findings.push({
    check: `sleeping connections ≤ pool size × processes (${total})`,
    ok: maxSleeping <= total,
    detail: `at most ${maxSleeping} sleeping`,
  });

  // 5. Errors.
  const errorTotal = totalErrors(input.errors);
  const listed = (Object.keys(input.errors) as ErrorKind[]).filter((k) => input.errors[k] > 0).map((k) => `${ERROR_LABELS[k]} ${input.errors[k]}`);
  findings.push({ check: 'no gone-away / lost-connection / pool-timeout errors', ok: errorTotal === 0, detail: errorTotal ? listed.join(', ') : 'none' });

  // 6. Budget: processes × pool size under 80 % of max_connections.
  if (input.maxConnections !== null) {
    const budget = BUDGET_FRACTION * input.maxConnections;
    findings.push({
      check: `processes × pool size < ${BUDGET_FRACTION * 100} % of max_connections`,
      ok: total < budget,
      detail: `${processes} × ${poolSize} = ${total} ${total < budget ? '<' : '≥'} ${budget.toFixed(0)} (${BUDGET_FRACTION * 100} % of ${input.maxConnections})`,
    });
  }

  const leak = !findings[0]!.ok || !findings[1]!.ok || !findings[2]!.ok || !findings[3]!.ok;
  return { healthy: findings.every((f) => f.ok), leak, leakCount, findings };
}

// ---------------------------------------------------------------------------------------------
// mysql2 internals
// ---------------------------------------------------------------------------------------------

interface CorePoolInternals {
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
}

/** The callback pool under mysql2's promise pool, with the private fields read here (see the header). */
export function poolInternals(pool: PromisePool): { checkedOut: number; open: number; queued: number } {
  const core = (pool as unknown as { pool?: Partial<CorePoolInternals> }).pool;
  if (!core || typeof core._allConnections?.length !== 'number' || typeof core._freeConnections?.length !== 'number' || typeof core._connectionQueue?.length !== 'number') {
    throw new Error("mysql2's pool internals (_allConnections, _freeConnections, _connectionQueue) are not where pool-check reads them: this mysql2 version is not supported");
  }
  return {
    open: core._allConnections.length,
    checkedOut: core._allConnections.length - core._freeConnections.length,
    queued: core._connectionQueue.length,
  };
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
  firstErrors: Partial<Record<ErrorKind, string>>;
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
    const firstErrors: Partial<Record<ErrorKind, string>> = {};
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
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
