/**
 * The measuring loop of one worker: take the next unit of work, time it, count it, schedule the
 * next. Callbacks rather than async/await on purpose: this runs once per operation, and the
 * client's CPU is taken from the server on a shared machine.
 */
import { performance } from 'node:perf_hooks';
import type { CallbackConnection } from '../db/connect.js';
import { classifyError, errorKey } from '../db/errors.js';
import { PART_PREFIX, type OpMeter, type OpMeters } from '../metrics/opMeters.js';
import type { Outcome, Scenario } from './scenario.js';
import { reconnectDelayMs, retryDelayMs, type RetryPolicy } from './retryPolicy.js';

export type WorkerEnd = 'work-done' | 'stopped';
/** How one operation ended for the driver: go on, or this worker is finished. */
export type OperationEnd = 'continue' | WorkerEnd;

export interface Worker {
  /**
   * Runs one operation (with its retries). `intendedAt` is when it should have started (open
   * loop: latency counts from then, so a stalled server shows); null means now (closed loop).
   */
  operate(intendedAt: number | null, then: (end: OperationEnd) => void): void;
  connection(): CallbackConnection;
}

export interface WorkerLoopParams<S, I> {
  scenario: Scenario<S, I>;
  state: S;
  connection: CallbackConnection;
  transactional: boolean;
  meters: OpMeters;
  retry: RetryPolicy;
  isStopping: () => boolean;
  reconnect: () => Promise<CallbackConnection>;
  /** The op type of a unit; the scenario's default when it has one kind. */
  opOf: (item: I) => string;
}

/** The closed loop: each worker starts its next operation as soon as the previous one ends. */
export function runWorkerLoop<S, I>(p: WorkerLoopParams<S, I>): Promise<{ end: WorkerEnd; connection: CallbackConnection }> {
  return new Promise((resolve) => {
    const worker = createWorker(p);
    const loop = (end: OperationEnd): void => {
      if (end === 'continue') worker.operate(null, loop);
      else resolve({ end, connection: worker.connection() });
    };
    loop('continue');
  });
}

export function createWorker<S, I>(p: WorkerLoopParams<S, I>): Worker {
  let connection = p.connection;
  let item: I;
  let meter: OpMeter;
  let startedAt = 0;
  let attempt = 0;
  let reconnectFailures = 0;
  let then: (end: OperationEnd) => void = () => undefined;

  const finish = (end: WorkerEnd): void => then(end);
  const nextOperation = (): void => then('continue');

  const operate = (intendedAt: number | null, whenDone: (end: OperationEnd) => void): void => {
    then = whenDone;
    if (p.isStopping()) return finish('stopped');
    const nextItem = p.scenario.next(p.state);
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
    p.scenario.execute(p.state, connection, item, onDone);
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
        if (outcome.parts) recordParts(outcome.parts);
      }
      return nextOperation();
    }
    const counts = meter.counts;
    const kind = classifyError(error);
    switch (kind) {
      case 'deadlock':
      case 'lock-wait-timeout': {
        if (kind === 'deadlock') counts.deadlocks++;
        else counts.lockWaitTimeouts++;
        return rollbackThen(() => {
          if (attempt > p.retry.retries) {
            counts.exhausted++;
            return nextOperation();
          }
          if (p.isStopping()) return finish('stopped');
          counts.retries++;
          setTimeout(tryOnce, retryDelayMs(p.retry, attempt));
        });
      }
      case 'connection-lost':
        counts.errors++;
        countCode(error);
        return reconnectThenRetry();
      default:
        counts.errors++;
        countCode(error);
        return rollbackThen(nextOperation);
    }
  };

  const recordParts = (parts: NonNullable<Outcome['parts']>): void => {
    const partMeter = p.meters.meter(PART_PREFIX + parts.op);
    for (const micros of parts.micros) p.meters.record(partMeter, micros);
    partMeter.counts.ops += parts.micros.length;
    partMeter.counts.attempts += parts.micros.length;
  };

  const countCode = (error: unknown): void => {
    const key = errorKey(error);
    meter.counts.errorsByCode[key] = (meter.counts.errorsByCode[key] ?? 0) + 1;
  };

  // A deadlock victim is already rolled back by InnoDB; the explicit ROLLBACK closes the
  // client's side of the transaction, and is what the server's Com_rollback counts.
  const rollbackThen = (after: () => void): void => {
    if (!p.transactional) return after();
    meter.counts.rollbacks++;
    connection.query('ROLLBACK', (error) => {
      if (error && classifyError(error) === 'connection-lost') return reconnectThenRetry();
      after();
    });
  };

  const reconnectThenRetry = (): void => {
    connection.destroy();
    const again = (): void => {
      if (p.isStopping()) return finish('stopped');
      p.reconnect().then(
        (fresh) => {
          connection = fresh;
          reconnectFailures = 0;
          meter.counts.reconnects++;
          tryOnce();
        },
        () => setTimeout(again, reconnectDelayMs(reconnectFailures++)),
      );
    };
    setTimeout(again, reconnectDelayMs(reconnectFailures++));
  };

  return { operate, connection: () => connection };
}
