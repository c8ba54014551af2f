/**
 * The scenario contract: a scenario says *what* one operation does, and nothing else. It never
 * loops, sleeps, times or retries: the worker loop and the retry policy do that, the same way for
 * every scenario.
 */
import type { Options as YargsOption } from 'yargs';
import type { ConnectionOptions } from '../config/connection.js';
import type { CallbackConnection, PromiseConnection } from '../db/connect.js';
import type { FeatureSource } from '../data/featureSource.js';

/** Options a scenario declares, with description and default together (as sysbench does). */
export type ScenarioOptions = Record<string, YargsOption>;

/** What the main thread gives a scenario to plan a run or prepare data. */
export interface ControlContext {
  connection: ConnectionOptions;
  control: PromiseConnection;
  /** Run and scenario options after validation. */
  options: Record<string, unknown>;
  log: (line: string) => void;
}

/** What a run needs from planning: each worker's share of the work, and how to account for it. */
export interface RunPlan<A = unknown> {
  /** One entry per worker; sent to the worker's thread as structured-cloneable data. */
  assignments: A[];
  /** Tables whose row counts together must grow by exactly the rows the harness reports writing. */
  accountingTables?: string[];
  /** Shown before the run starts. */
  description: string;
}

export interface WorkerContext<A = unknown> {
  workerId: number;
  assignment: A;
  options: Record<string, unknown>;
  features: FeatureSource;
  connection: CallbackConnection;
}

/** What one operation did: rows written or read, and whether it committed a write. */
export interface Outcome {
  rows: number;
  committed: boolean;
  /** Bytes read (reads that report throughput in bytes). */
  bytes?: number;
  /** Latencies of the statements inside the operation, recorded under their own op type (e.g. per query). */
  parts?: { op: string; micros: number[] };
}

export type Done = (error: unknown, outcome?: Outcome) => void;

export interface Scenario<S = unknown, I = unknown, A = unknown> {
  name: string;
  description: string;
  /** The operation type counted when `opOf` is absent. */
  defaultOp: string;
  options: ScenarioOptions;
  /** Checks that the scenario's data is there and splits the work between workers. */
  plan(ctx: ControlContext, workers: number): Promise<RunPlan<A>>;
  /** Per worker, once: load its share, prepare what it needs. */
  workerInit(ctx: WorkerContext<A>): Promise<S>;
  /** The next unit of work, or null when this worker has none left. */
  next(state: S): I | null;
  /** Performs one unit; the same unit is passed again when the loop retries it. */
  execute(state: S, connection: CallbackConnection, item: I, done: Done): void;
  /** The operation type of a unit, for scenarios with several (e.g. reads and writes mixed). */
  opOf?(item: I): string;
  /** Whether an operation is an explicit transaction, so a failed one needs a ROLLBACK. */
  transactional(options: Record<string, unknown>): boolean;
  /** Every statement an operation issues, with real parameters from the prepared data (the EXPLAIN audit). */
  statements?(ctx: ControlContext): Promise<AuditStatement[]>;
  /** After the run: checks that nothing was lost or duplicated. */
  verify?(ctx: ControlContext): Promise<Verification>;
  /**
   * What a run asks of the server, for the doctor: privileges on the harness's database, whether
   * the library holds a feature per image by the end of a run (disk estimate), and whether it is
   * a read benchmark meant to run warm (its data should fit the buffer pool).
   */
  serverNeeds: { privileges: string[]; holdsFeatures: boolean; warmReads: boolean };
  /** Whether `prepare` must load features too (reads, and replacing a member's images and features). */
  needsFeatures?: boolean;
  /** Whether runs of this scenario capture deadlocks unless told otherwise (the deadlock lab does). */
  captureDeadlocks?: boolean;
}

export interface AuditStatement {
  /** A short name, e.g. "insert feature". */
  name: string;
  sql: string;
  params: unknown[];
  /** The audit fails (non-zero exit) when this statement reads without an index. */
  mustUseIndex: boolean;
  /** Rows the statement should examine; an estimate far above it is flagged. */
  expectedRows?: number;
}

export interface Verification {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}
