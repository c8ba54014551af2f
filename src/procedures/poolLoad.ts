/**
 * The simulated application of the pool check: per pool, tasks that check a connection out, run
 * `SELECT 1` and an INSERT and give it back (the first task of a pool forgetting to every
 * `leakEvery` operations), counting operations, errors and waiting tasks as they go. mysql2 has no
 * public pool statistics, so the checked-out and open counts are read from its private fields.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool as PromisePool, PoolConnection } from 'mysql2/promise';
import { classifyError, POOL_TIMEOUT, type ErrorClass } from '../db/errors.js';
import { emptyErrorCounts, type PoolSample } from '../analysis/verdicts/poolVerdict.js';

/** The part of the pool-check settings the load follows. */
interface LoadSettings {
  processes: number;
  concurrency: number;
  /** 0: no provoked leak. */
  leakEvery: number;
  poolTimeoutMs: number;
}

export class PoolTimeoutError extends Error {
  readonly code = POOL_TIMEOUT;
}

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

/** The simulated application's tasks on its pools, and what they counted. */
export class PoolLoad {
  readonly errors = emptyErrorCounts();
  readonly firstErrors: Partial<Record<ErrorClass, string>> = {};
  ops = 0;
  provokedLeaks = 0;
  private errorCount = 0;
  private stopped = false;
  private readonly stop = new AbortController();
  /**
   * Tasks waiting for a connection, counted here: mysql2's _connectionQueue also keeps the
   * requests of tasks that gave up at the pool timeout.
   */
  private readonly waiting: number[];
  private readonly tasks: Array<Promise<void>> = [];
  private lastOps = 0;
  private lastErrors = 0;

  constructor(
    private readonly pools: PromisePool[],
    private readonly settings: LoadSettings,
    private readonly scratch: string,
  ) {
    setMaxListeners(0, this.stop.signal); // every waiting task listens
    this.waiting = new Array<number>(settings.processes).fill(0);
  }

  start(): void {
    for (let p = 0; p < this.settings.processes; p++) for (let k = 0; k < this.settings.concurrency; k++) this.tasks.push(this.task(p, k));
  }

  /** The pools' state now, with the operations and errors since the previous sample. */
  sample(t: number, server: Pick<PoolSample, 'threadsConnected' | 'own' | 'sleeping'>): PoolSample {
    const internals = this.pools.map(poolInternals);
    const sample: PoolSample = {
      t,
      ...server,
      checkedOut: internals.map((i) => i.checkedOut),
      open: internals.map((i) => i.open),
      waiting: [...this.waiting],
      ops: this.ops - this.lastOps,
      errors: this.errorCount - this.lastErrors,
    };
    this.lastOps = this.ops;
    this.lastErrors = this.errorCount;
    return sample;
  }

  halt(): void {
    this.stopped = true;
    this.stop.abort();
  }

  /** Waits for the tasks to end, `ms` at most. */
  async settle(ms: number): Promise<void> {
    await Promise.race([Promise.all(this.tasks), sleep(ms)]);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end().catch(() => undefined)));
    this.pools.length = 0;
  }

  private record(error: unknown): void {
    if (this.stopped && /Pool is closed/i.test(String((error as Error)?.message))) return;
    const kind = classifyError(error);
    this.errors[kind]++;
    this.errorCount++;
    this.firstErrors[kind] ??= error instanceof Error ? error.message : String(error);
  }

  private async task(poolIndex: number, taskIndex: number): Promise<void> {
    const pool = this.pools[poolIndex]!;
    let mine = 0;
    while (!this.stopped) {
      const conn = await this.checkout(pool, poolIndex);
      if (!conn) continue;
      let broken = false;
      try {
        await conn.query('SELECT 1');
        await conn.query(`INSERT INTO ${this.scratch} (pool, task, note) VALUES (?, ?, ?)`, [poolIndex, taskIndex, 'pool-check']);
        this.ops++;
        mine++;
      } catch (error) {
        this.record(error);
        broken = true;
      }
      if (!broken && taskIndex === 0 && this.settings.leakEvery > 0 && mine % this.settings.leakEvery === 0) {
        this.provokedLeaks++; // forgotten: neither released nor closed
        continue;
      }
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  /** A connection, or null when none came (the error is recorded unless the load is stopping). */
  private async checkout(pool: PromisePool, poolIndex: number): Promise<PoolConnection | null> {
    this.waiting[poolIndex]!++;
    try {
      return await acquire(pool, this.settings.poolTimeoutMs, this.stop.signal);
    } catch (error) {
      if (!this.stopped) this.record(error);
      return null;
    } finally {
      this.waiting[poolIndex]!--;
    }
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
