/**
 * How load is applied, apart from what an operation does (k6's executors): an executor decides
 * *when* each worker starts its next operation, and never knows what the operation is. Each
 * executor sits in a file of its own and is registered by name in index.ts.
 */

/** How one operation ended for the executor: go on, or this worker is finished (and why). */
export type OperationEnd = 'continue' | 'work-done' | 'stopped';

/** A worker as an executor sees it: something that runs one operation when told to. */
export interface Operator {
  /**
   * Runs one operation (with its retries). `intendedAt` is when it should have started (open
   * loop: latency counts from then, so a stalled server shows); null means now (closed loop).
   */
  operate(intendedAt: number | null, then: (end: OperationEnd) => void): void;
}

export interface ExecutorContext {
  /** Whether the run is being stopped: start nothing new. */
  isStopping(): boolean;
  /** Counts an operation that was due but found no idle worker. */
  dropped(): void;
  /** The clock operations are scheduled by (performance.now in a run). */
  now(): number;
}

export interface ExecutorResult {
  /** Every worker ended because it ran out of work (not because the run was stopped). */
  workDone: boolean;
}

export interface Executor<Config> {
  /** Drives the workers until all have ended; an executor with no operator ends at once, work done. */
  run(workers: readonly Operator[], config: Config, ctx: ExecutorContext): Promise<ExecutorResult>;
}
