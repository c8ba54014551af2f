/**
 * The scenario contract: a scenario says *what* one operation does, and nothing else. It never
 * loops, sleeps, times or retries: the executors, the worker loop and the retry policy do that,
 * the same way for every scenario.
 *
 * A scenario module declares itself with `defineScenario(import.meta.url, {...})`: the module's
 * own URL is what each load thread imports again, so renaming the file cannot leave a stale name
 * behind, and the options it declares type what its functions receive.
 */
import type { Options as YargsOption } from 'yargs';
import type { ConnectionOptions } from '../config/connection.js';
import type { Parsed } from '../config/units.js';
import type { PromiseConnection } from '../db/connect.js';
import type { WorkerConnection } from '../db/workerConnection.js';
import type { FeatureSource } from '../data/featureSource.js';

/** One option a scenario declares: description and default together (as sysbench does), and its parser. */
export interface OptionSpec<T> extends YargsOption {
  /** Turns the command-line value into the typed one, or an error naming `--name` and the value. */
  parse(name: string, raw: unknown): Parsed<T>;
}

export type OptionSpecs = Record<string, OptionSpec<unknown>>;

/** The parsed values of a scenario's options, keyed by option name. */
export type OptionValues<Specs extends OptionSpecs> = { [K in keyof Specs]: Specs[K] extends OptionSpec<infer T> ? T : never };

/** The part of the work a machine takes when several share it (`--shard i/N`, 0-based). */
export interface Shard {
  index: number;
  of: number;
}

/** What every scenario is given about the run's data: its libraries, seed and feature size. */
export interface DataSettings {
  /** clientFlags of the run's libraries; the first is the one a single-library scenario uses. */
  flags: string[];
  seed: number;
  featureBytes: number;
  /** The feature file given; absent: the generated one. */
  featureFile?: string;
  shard?: Shard;
}

/** What the main thread gives a scenario to plan a run, prepare data or verify the result. */
export interface ControlContext<O = Record<string, unknown>> {
  connection: ConnectionOptions;
  control: PromiseConnection;
  data: DataSettings;
  /** The scenario's own options, parsed. */
  options: O;
  log: (line: string) => void;
}

/** What the EXPLAIN audit gives a scenario to list its statements: one library, one model version. */
export interface AuditContext {
  control: PromiseConnection;
  flag: string;
  modelVersion: number;
  featureBytes: number;
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

export interface WorkerContext<O = Record<string, unknown>, A = unknown> {
  workerId: number;
  assignment: A;
  data: DataSettings;
  options: O;
  features: FeatureSource;
  connection: WorkerConnection;
}

/** What one operation did: rows written or read, and whether it committed a write. */
export interface Outcome {
  rows: number;
  committed: boolean;
  /** Bytes read (reads that report throughput in bytes). */
  bytes?: number;
  /** Latencies of the statements inside the operation, recorded under their own op types (e.g. per query). */
  parts?: Array<{ op: string; micros: number[] }>;
  /** Given with a failure: the part whose statement failed, so that its errors and deadlocks are counted there too. */
  failedPart?: string;
}

/** Ends an operation: `done(null, outcome)`, or `done(error)` (with `{ rows: 0, committed: false, failedPart }` to name the failing part). */
export type Done = (error: unknown, outcome?: Outcome) => void;

/** The two steps the measuring loop calls for every operation. */
export interface Operations<S, I> {
  /** The next unit of work, or null when this worker has none left. */
  next(state: S): I | null;
  /** Performs one unit; the same unit is passed again when the loop retries it. */
  execute(state: S, connection: WorkerConnection, item: I, done: Done): void;
}

export interface ScenarioSpec<Specs extends OptionSpecs, S, I, A> extends Operations<S, I> {
  name: string;
  description: string;
  /** The operation type counted when `opOf` is absent. */
  defaultOp: string;
  options: Specs;
  /** Checks that the scenario's data is there and splits the work between workers. */
  plan(ctx: ControlContext<OptionValues<Specs>>, workers: number): Promise<RunPlan<A>>;
  /** Per worker, once: load its share, prepare what it needs. */
  workerInit(ctx: WorkerContext<OptionValues<Specs>, A>): Promise<S>;
  /** The operation type of a unit, for scenarios with several (e.g. reads and writes mixed). */
  opOf?(item: I): string;
  /** Whether an operation is an explicit transaction, so a failed one needs a ROLLBACK. */
  transactional(options: OptionValues<Specs>): boolean;
  /** Every statement an operation issues, with real parameters from the prepared data (the EXPLAIN audit). */
  statements?(ctx: AuditContext): Promise<AuditStatement[]>;
  /** After the run: checks that nothing was lost or duplicated. */
  verify?(ctx: ControlContext<OptionValues<Specs>>): Promise<Verification>;
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

/** A defined scenario; without type arguments, any scenario as the engine sees it. */
export interface Scenario<Specs extends OptionSpecs = OptionSpecs, S = unknown, I = unknown, A = unknown> extends ScenarioSpec<Specs, S, I, A> {
  /** file URL of the module that defined it, imported again inside each load thread. */
  readonly module: string;
}

/** Scenarios defined in this thread, by module URL: what a load thread finds after importing one. */
const defined = new Map<string, Scenario>();

/** Declares a scenario; `module` is the defining module's `import.meta.url`. */
export function defineScenario<Specs extends OptionSpecs, S, I, A>(module: string, spec: ScenarioSpec<Specs, S, I, A>): Scenario<Specs, S, I, A> {
  const scenario = { ...spec, module };
  defined.set(module, scenario);
  return scenario;
}

/** Imports a scenario module (inside a load thread) and returns the scenario it defines. */
export async function importScenario(module: string): Promise<Scenario> {
  const exports = (await import(module)) as Record<string, unknown>;
  // A module that imports another installed copy of innobench defines its scenario in that copy's
  // registry: it is then found among the module's exports.
  const scenario = defined.get(module) ?? Object.values(exports).find((value) => isScenarioOf(value, module));
  if (!scenario) throw new Error(`${module} defines no scenario (defineScenario was not called with its import.meta.url)`);
  return scenario;
}

function isScenarioOf(value: unknown, module: string): value is Scenario {
  const candidate = value as Partial<Scenario> | null;
  return typeof value === 'object' && candidate !== null && candidate.module === module && typeof candidate.execute === 'function' && typeof candidate.plan === 'function';
}

/** Parses a scenario's options from the command line's values, collecting every error. */
export function parseScenarioOptions(scenario: Scenario, raw: Record<string, unknown>, errors: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(scenario.options)) {
    const parsed = spec.parse(name, raw[name]);
    if (parsed.ok) values[name] = parsed.value;
    else errors.push(parsed.error);
  }
  return values;
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
