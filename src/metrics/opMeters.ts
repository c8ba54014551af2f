/**
 * Per-thread meters: for each operation type, a histogram of this interval's latencies and the
 * counts the worker loop keeps. A snapshot encodes them and starts the next interval from zero;
 * the main thread merges snapshots, so nothing is sent per operation.
 */
import { encodeHistogram, newHistogram, recordMicros, type Histogram } from './histogram.js';

/** Counts the worker loop keeps for one operation type. */
export interface OpCounts {
  /** Operations that finished successfully (after any retries). */
  ops: number;
  /** Every attempt sent, first tries and retries. */
  attempts: number;
  /** Attempts repeated after a deadlock or lock-wait timeout. */
  retries: number;
  /** Errno 1213 seen. */
  deadlocks: number;
  /** Errno 1205 seen. */
  lockWaitTimeouts: number;
  /** Operations that gave up after --retries attempts. */
  exhausted: number;
  /** Transactions that committed: an explicit COMMIT or an autocommit statement that succeeded. */
  commits: number;
  /** ROLLBACK statements the harness sent (the server's Com_rollback counts the same thing). */
  rollbacks: number;
  /** Errors that were neither retried nor recovered, by errno or code. */
  errors: number;
  errorsByCode: Record<string, number>;
  /** Connections re-established after being lost. */
  reconnects: number;
  /** Rows written (or read) by the successful operations. */
  rows: number;
  /** Bytes read by the successful operations, where a scenario reports them. */
  bytes: number;
  /** Open loop (--rate): operations that were due while every worker was busy, so never started. */
  dropped: number;
}

export interface OpMeter {
  histogram: Histogram;
  counts: OpCounts;
}

/** One thread's figures for one interval, per operation type. */
export type MetersSnapshot = Record<string, { histogram: string; counts: OpCounts }>;

export function emptyCounts(): OpCounts {
  return {
    ops: 0,
    attempts: 0,
    retries: 0,
    deadlocks: 0,
    lockWaitTimeouts: 0,
    exhausted: 0,
    commits: 0,
    rollbacks: 0,
    errors: 0,
    errorsByCode: {},
    reconnects: 0,
    rows: 0,
    bytes: 0,
    dropped: 0,
  };
}

/** Adds `more` into `into` (pure apart from mutating `into`). */
export function addCounts(into: OpCounts, more: OpCounts): OpCounts {
  into.ops += more.ops;
  into.attempts += more.attempts;
  into.retries += more.retries;
  into.deadlocks += more.deadlocks;
  into.lockWaitTimeouts += more.lockWaitTimeouts;
  into.exhausted += more.exhausted;
  into.commits += more.commits;
  into.rollbacks += more.rollbacks;
  into.errors += more.errors;
  into.reconnects += more.reconnects;
  into.rows += more.rows;
  into.bytes += more.bytes;
  into.dropped += more.dropped;
  for (const [code, n] of Object.entries(more.errorsByCode)) into.errorsByCode[code] = (into.errorsByCode[code] ?? 0) + n;
  return into;
}

/**
 * Statements timed inside an operation (e.g. each query of a read) are kept under `part:<name>`:
 * shown per op type, but not added into the run's operation totals, which would count them twice.
 */
export const PART_PREFIX = 'part:';

export function isPart(op: string): boolean {
  return op.startsWith(PART_PREFIX);
}

export class OpMeters {
  private readonly byOp = new Map<string, OpMeter>();

  meter(op: string): OpMeter {
    let meter = this.byOp.get(op);
    if (!meter) {
      meter = { histogram: newHistogram(), counts: emptyCounts() };
      this.byOp.set(op, meter);
    }
    return meter;
  }

  record(meter: OpMeter, micros: number): void {
    recordMicros(meter.histogram, micros);
  }

  /** Encodes this interval's figures and zeroes them for the next one. */
  takeSnapshot(): MetersSnapshot {
    const snapshot: MetersSnapshot = {};
    for (const [op, meter] of this.byOp) {
      snapshot[op] = { histogram: encodeHistogram(meter.histogram), counts: meter.counts };
      meter.histogram.reset();
      meter.counts = emptyCounts();
    }
    return snapshot;
  }
}
