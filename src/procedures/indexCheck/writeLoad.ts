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
  const opened = await Promise.allSettled(Array.from({ length: connections }, connect));
  const clients = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    throw new Error(`write workload: cannot connect: ${refused.reason instanceof Error ? refused.reason.message : String(refused.reason)}`);
  }
  const histogram = newHistogram();
  const perSecond: number[] = [];
  const errorsByCode: Record<string, number> = {};
  let rows = 0;
  let errors = 0;
  let retries = 0;
  let firstError: string | undefined;
  let seq = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const running = (): boolean => performance.now() < deadline && !signal?.aborted;
  const fail = (error: unknown): void => {
    errors++;
    const key = errorKey(error);
    errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
    firstError ??= error instanceof Error ? error.message : String(error);
  };

  /** One statement, retried on deadlock / lock-wait timeout; resolves to the rows it wrote. */
  const once = async (client: PromiseConnection): Promise<number> => {
    const params = write.params.map((make) => make(seq++));
    for (let attempt = 1; ; attempt++) {
      try {
        if (rollBack) await client.query('START TRANSACTION');
        const begun = performance.now();
        const [result] = await client.query(write.sql, params);
        recordMicros(histogram, (performance.now() - begun) * 1000);
        if (rollBack) await client.query('ROLLBACK');
        return (result as { affectedRows?: number }).affectedRows ?? 0;
      } catch (error) {
        if (rollBack) await client.query('ROLLBACK').catch(() => undefined);
        const kind = classifyError(error);
        if ((kind === 'deadlock' || kind === 'lock-wait-timeout') && attempt <= retry.retries && running()) {
          retries++;
          await sleep(retryDelayMs(retry, attempt));
          continue;
        }
        throw error;
      }
    }
  };

  const drive = async (k: number): Promise<void> => {
    let reconnectFailures = 0;
    while (running()) {
      try {
        const written = await once(clients[k]!);
        rows += written;
        const second = Math.floor((performance.now() - started) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + written;
      } catch (error) {
        fail(error);
        if (errors >= 20 && rows === 0) return; // the statement cannot work: stop instead of spinning
        if (classifyError(error) !== 'connection-lost') continue;
        clients[k]!.destroy();
        while (running()) {
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
  };

  try {
    await Promise.all(clients.map((_, k) => drive(k)));
    const elapsed = (performance.now() - started) / 1000;
    const whole = Array.from({ length: Math.floor(elapsed) }, (_, k) => perSecond[k] ?? 0);
    return {
      rows,
      seconds: elapsed,
      rowsPerSec: elapsed > 0 ? rows / elapsed : 0,
      perSecond: whole,
      latencyMs: latencySummaryMs(histogram),
      retries,
      errors,
      errorsByCode,
      connections,
      target,
      ...(firstError ? { firstError } : {}),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
