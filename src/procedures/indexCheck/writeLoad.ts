/**
 * index-check's write workload, which must never change the user's rows:
 * - by default, single-row INSERTs into a scratch copy of the plan's first table
 *   (`CREATE TABLE innobench_scratch_… LIKE t`: same columns and indexes, no rows, no triggers),
 *   dropped again when the measurement ends, fails or is interrupted (`signal`);
 * - with `--write-sql`, the user's statement inside START TRANSACTION … ROLLBACK, refused unless
 *   every table it names rolls back (InnoDB, see rollbackSafety). Auto-increment counters advance.
 * The loop only times, counts and retries: latency of each statement with performance.now() into
 * an HdrHistogram, deadlocks and lock-wait timeouts retried under the engine's retry policy, a
 * lost connection re-established, every other error counted by its code.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import mysqlPromise from 'mysql2/promise';
import type { ConnectionOptions } from '../../config/connection.js';
import { connectControl, driverOptions, type PromiseConnection } from '../../db/connect.js';
import { classifyError, errorKey } from '../../db/errors.js';
import { quoteIdent } from '../../db/identifiers.js';
import { DEFAULT_RETRY_POLICY, reconnectDelayMs, retryDelayMs, type RetryPolicy } from '../../engine/retryPolicy.js';
import { latencySummaryMs, newHistogram, recordMicros } from '../../metrics/histogram.js';
import type { WriteMeasure } from '../../analysis/index/indexAcceptance.js';
import { rollbackUnsafe } from '../rollbackSafety.js';
import { customWrite, generatedInsert, type PreparedWrite } from './writeTarget.js';
import type { ServerJournal } from '../../serverState/journal.js';
import type { JournalEntry } from '../../serverState/journalTable.js';

export type WriteWorkload =
  /** Generated INSERTs into a scratch copy of this table. */
  | { kind: 'scratch'; schema: string; table: string }
  /** The user's statement, rolled back after each execution. */
  | { kind: 'rolled-back'; sql: string; paramNames?: string[] };

export const SCRATCH_PREFIX = 'innobench_scratch_';

export function describeWorkload(workload: WriteWorkload): string {
  return workload.kind === 'scratch'
    ? `single-row INSERTs into a scratch copy of ${workload.table} (CREATE TABLE … LIKE, dropped afterwards; the table's rows are not touched)`
    : '--write-sql, each statement inside START TRANSACTION … ROLLBACK (nothing is kept)';
}

/** Runs the workload for `seconds` from `connections` connections (fewer if `signal` aborts first). */
export async function measureWrites(
  options: ConnectionOptions,
  workload: WriteWorkload,
  seconds: number,
  connections: number,
  journal: ServerJournal,
  signal?: AbortSignal,
  retry: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<WriteMeasure> {
  const control = await connectControl(options);
  let scratchEntry: JournalEntry | null = null;
  try {
    let write: PreparedWrite;
    let target: string;
    if (workload.kind === 'scratch') {
      // The copy lives beside its table so that it shares the tablespace settings it is created LIKE.
      const name = `${SCRATCH_PREFIX}${randomBytes(4).toString('hex')}`;
      const scratch = `${quoteIdent(workload.schema)}.${quoteIdent(name)}`;
      // Journalled first: after a kill the next innobench reports it and `innobench restore` drops it.
      scratchEntry = await journal.record({ kind: 'scratch-table', description: `index-check's scratch table ${workload.schema}.${name}`, undoSql: [`DROP TABLE IF EXISTS ${scratch}`] });
      await control.query(`CREATE TABLE ${scratch} LIKE ${quoteIdent(workload.schema)}.${quoteIdent(workload.table)}`);
      write = await generatedInsert(control, workload.schema, workload.table, name);
      target = `${workload.schema}.${name}`;
    } else {
      const unsafe = await rollbackUnsafe(control, workload.sql);
      if (unsafe) throw new Error(`--write-sql cannot be measured without keeping its rows: ${unsafe}`);
      write = customWrite(workload.sql, workload.paramNames);
      target = 'rolled back';
    }
    return await writeLoop(options, write, workload.kind === 'rolled-back', target, seconds, connections, signal, retry);
  } finally {
    await journal.restore(scratchEntry).catch(() => undefined);
    await control.end().catch(() => undefined);
  }
}

async function writeLoop(
  options: ConnectionOptions,
  write: PreparedWrite,
  rollBack: boolean,
  target: string,
  seconds: number,
  connections: number,
  signal: AbortSignal | undefined,
  retry: RetryPolicy,
): Promise<WriteMeasure> {
  const connect = (): Promise<PromiseConnection> => mysqlPromise.createConnection(driverOptions(options));
  const clients = await openAll(connect, connections);
  const loop = new WriteLoop(write, rollBack, seconds, signal, retry);
  try {
    await Promise.all(clients.map((_, k) => loop.drive(clients, k, connect)));
    return loop.measure(connections, target);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** Every connection or none: one refused means the workload cannot run as asked. */
async function openAll(connect: () => Promise<PromiseConnection>, connections: number): Promise<PromiseConnection[]> {
  const opened = await Promise.allSettled(Array.from({ length: connections }, connect));
  const clients = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    throw new Error(`write workload: cannot connect: ${refused.reason instanceof Error ? refused.reason.message : String(refused.reason)}`);
  }
  return clients;
}

/** What the connections running one write statement share: the clock, the histogram and the counts. */
class WriteLoop {
  private readonly histogram = newHistogram();
  private readonly perSecond: number[] = [];
  private readonly errorsByCode: Record<string, number> = {};
  private rows = 0;
  private errors = 0;
  private retries = 0;
  private firstError: string | undefined;
  private seq = 0;
  private readonly started = performance.now();
  private readonly deadline: number;

  constructor(
    private readonly write: PreparedWrite,
    private readonly rollBack: boolean,
    seconds: number,
    private readonly signal: AbortSignal | undefined,
    private readonly retry: RetryPolicy,
  ) {
    this.deadline = this.started + seconds * 1000;
  }

  /** Runs the statement on `clients[k]` until the deadline, replacing the connection when it is lost. */
  async drive(clients: PromiseConnection[], k: number, connect: () => Promise<PromiseConnection>): Promise<void> {
    let reconnectFailures = 0;
    while (this.running()) {
      try {
        const written = await this.once(clients[k]!);
        this.rows += written;
        const second = Math.floor((performance.now() - this.started) / 1000);
        this.perSecond[second] = (this.perSecond[second] ?? 0) + written;
      } catch (error) {
        this.fail(error);
        if (this.errors >= 20 && this.rows === 0) return; // the statement cannot work: stop instead of spinning
        if (classifyError(error) !== 'connection-lost') continue;
        clients[k]!.destroy();
        while (this.running()) {
          await sleep(reconnectDelayMs(reconnectFailures++));
          try {
            clients[k] = await connect();
            break;
          } catch {
            // counted once above; keep trying until the deadline
          }
        }
      }
    }
  }

  measure(connections: number, target: string): WriteMeasure {
    const elapsed = (performance.now() - this.started) / 1000;
    const whole = Array.from({ length: Math.floor(elapsed) }, (_, k) => this.perSecond[k] ?? 0);
    return {
      rows: this.rows,
      seconds: elapsed,
      rowsPerSec: elapsed > 0 ? this.rows / elapsed : 0,
      perSecond: whole,
      latencyMs: latencySummaryMs(this.histogram),
      retries: this.retries,
      errors: this.errors,
      errorsByCode: this.errorsByCode,
      connections,
      target,
      ...(this.firstError ? { firstError: this.firstError } : {}),
    };
  }

  private running(): boolean {
    return performance.now() < this.deadline && !this.signal?.aborted;
  }

  private fail(error: unknown): void {
    this.errors++;
    const key = errorKey(error);
    this.errorsByCode[key] = (this.errorsByCode[key] ?? 0) + 1;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }

  /** One statement, retried on deadlock / lock-wait timeout; resolves to the rows it wrote. */
  private async once(client: PromiseConnection): Promise<number> {
    const params = this.write.params.map((make) => make(this.seq++));
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.rollBack) await client.query('START TRANSACTION');
        const begun = performance.now();
        const [result] = await client.query(this.write.sql, params);
        recordMicros(this.histogram, (performance.now() - begun) * 1000);
        if (this.rollBack) await client.query('ROLLBACK');
        return (result as { affectedRows?: number }).affectedRows ?? 0;
      } catch (error) {
        if (this.rollBack) await client.query('ROLLBACK').catch(() => undefined);
        const kind = classifyError(error);
        if ((kind === 'deadlock' || kind === 'lock-wait-timeout') && attempt <= this.retry.retries && this.running()) {
          this.retries++;
          await sleep(retryDelayMs(this.retry, attempt));
          continue;
        }
        throw error;
      }
    }
  }
}
