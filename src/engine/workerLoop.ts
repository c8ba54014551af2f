/**
 * The measuring step of one worker: take the next unit of work, time it, count it, hand back to
 * the executor, which decides when the next one starts. Callbacks rather than async/await on
 * purpose: this runs once per operation, and the client's CPU is taken from the server on a
 * shared machine.
 */
import { performance } from 'node:perf_hooks';
import { classifyError, errorKey, type ErrorClass } from '../db/errors.js';
import type { WorkerConnection } from '../db/workerConnection.js';
import { PART_PREFIX, type OpCounts, type OpMeter, type OpMeters } from '../metrics/opMeters.js';
import type { Operations, Outcome } from './scenario.js';
import { reconnectDelayMs, retryDelayMs, type RetryPolicy } from './retryPolicy.js';
import type { OperationEnd, Operator } from './executors/executor.js';

interface Worker extends Operator {
  /** The connection in use now (a new one after a reconnect), to be closed at the end. */
  connection(): WorkerConnection;
}

export interface WorkerLoopParams<S, I> {
  operations: Operations<S, I>;
  state: S;
  connection: WorkerConnection;
  transactional: boolean;
  meters: OpMeters;
  retry: RetryPolicy;
  isStopping: () => boolean;
  reconnect: () => Promise<WorkerConnection>;
  /** The op type of a unit; the scenario's default when it has one kind. */
  opOf: (item: I) => string;
}

export function createWorker<S, I>(p: WorkerLoopParams<S, I>): Worker {
  let connection = p.connection;
  let item: I;
  let meter: OpMeter;
  let startedAt = 0;
  let attempt = 0;
  let then: (end: OperationEnd) => void = () => undefined;

  const finish = (end: Exclude<OperationEnd, 'continue'>): void => then(end);
  const nextOperation = (): void => then('continue');

  const operate = (intendedAt: number | null, whenDone: (end: OperationEnd) => void): void => {
    then = whenDone;
    if (p.isStopping()) return finish('stopped');
    const nextItem = p.operations.next(p.state);
    if (nextItem === null) return finish('work-done');
    item = nextItem;
    meter = p.meters.meter(p.opOf(item));
    startedAt = intendedAt ?? performance.now();
    attempt = 0;
    tryOnce();
  };

  const tryOnce = (): void => {
    attempt++;
    meter.counts.attempts++;
    p.operations.execute(p.state, connection, item, onDone);
  };

  const onDone = (error: unknown, outcome?: Outcome): void => {
    if (!error) {
      p.meters.record(meter, (performance.now() - startedAt) * 1000);
      const counts = meter.counts;
      counts.ops++;
      if (outcome) {
        counts.rows += outcome.rows;
        if (outcome.committed) counts.commits++;
        if (outcome.bytes) counts.bytes += outcome.bytes;
        if (outcome.parts) recordParts(p.meters, outcome.parts);
      }
      return nextOperation();
    }
    const kind = classifyError(error);
    countFailure(p.meters, meter.counts, kind, error, outcome?.failedPart);
    if (kind === 'deadlock' || kind === 'lock-wait-timeout') return rollbackThen(retryAfterConflict);
    if (kind === 'connection-lost') return reconnectThenRetry(connection);
    return rollbackThen(nextOperation);
  };

  // Created once rather than per conflict: the retry reads the operation's state when it runs.
  const retryAfterConflict = (): void => {
    if (attempt > p.retry.retries) {
      meter.counts.exhausted++;
      return nextOperation();
    }
    if (p.isStopping()) return finish('stopped');
    meter.counts.retries++;
    setTimeout(tryOnce, retryDelayMs(p.retry, attempt));
  };

  // A deadlock victim is already rolled back by InnoDB; the explicit ROLLBACK closes the
  // client's side of the transaction, and is what the server's Com_rollback counts.
  const rollbackThen = (after: () => void): void => {
    if (!p.transactional) return after();
    meter.counts.rollbacks++;
    connection.query('ROLLBACK', [], (error) => {
      if (error && classifyError(error) === 'connection-lost') return reconnectThenRetry(connection);
      after();
    });
  };

  const retryOn = (fresh: WorkerConnection): void => {
    connection = fresh;
    meter.counts.reconnects++;
    tryOnce();
  };
  const reconnectThenRetry = reconnector(p, retryOn, () => finish('stopped'));

  return { operate, connection: () => connection };
}

/**
 * The worker's way back from a lost connection: the lost one destroyed, then new ones tried with
 * backoff until one is made (`onConnected`, which retries the operation) or the run stops. The
 * backoff grows across the worker's whole life and starts over after a success.
 */
function reconnector(p: Pick<WorkerLoopParams<unknown, unknown>, 'isStopping' | 'reconnect'>, onConnected: (fresh: WorkerConnection) => void, onStopped: () => void): (lost: WorkerConnection) => void {
  let failures = 0;
  const again = (): void => {
    if (p.isStopping()) return onStopped();
    p.reconnect().then(
      (fresh) => {
        failures = 0;
        onConnected(fresh);
      },
      () => setTimeout(again, reconnectDelayMs(failures++)),
    );
  };
  return (lost) => {
    lost.destroy();
    setTimeout(again, reconnectDelayMs(failures++));
  };
}

function recordParts(meters: OpMeters, parts: NonNullable<Outcome['parts']>): void {
  for (const part of parts) {
    const partMeter = meters.meter(PART_PREFIX + part.op);
    for (const micros of part.micros) meters.record(partMeter, micros);
    partMeter.counts.ops += part.micros.length;
    partMeter.counts.attempts += part.micros.length;
  }
}

// The failing statement's part counts the attempt and what stopped it; the retry is the operation's.
function countFailure(meters: OpMeters, counts: OpCounts, kind: ErrorClass, error: unknown, failedPart: string | undefined): void {
  if (failedPart) {
    const partCounts = meters.meter(PART_PREFIX + failedPart).counts;
    partCounts.attempts++;
    countKind(partCounts, kind, error);
  }
  countKind(counts, kind, error);
}

function countKind(counts: OpCounts, kind: ErrorClass, error: unknown): void {
  if (kind === 'deadlock') counts.deadlocks++;
  else if (kind === 'lock-wait-timeout') counts.lockWaitTimeouts++;
  else {
    const key = errorKey(error);
    counts.errors++;
    counts.errorsByCode[key] = (counts.errorsByCode[key] ?? 0) + 1;
  }
}
