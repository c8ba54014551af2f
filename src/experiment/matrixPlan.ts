/** A matrix's plan, as the command checked it, and matrix.json as a matrix starts it: every run pending, nothing secret. */
import type { ConnectionOptions } from '../config/connection.js';
import { maskCommand } from '../config/redact.js';
import type { MatrixFile, MatrixRunRecord } from '../results/readRuns.js';
import type { Combination, PlannedRun, SettingSpec } from './settingSpec.js';
import type { RestartOptions } from './restart.js';
import type { ExternalCommands } from './externalSetting.js';
import { withOption } from './runArgs.js';

export interface MatrixPlan {
  specs: SettingSpec[];
  combinations: Combination[];
  order: 'interleaved' | 'random' | 'blocks';
  seed: number;
  /** Runs per combination; in blocks order, A B B A blocks (each combination twice a block). */
  repeat: number;
  warmupMs: number | undefined;
  /** An idle pause after a configuration is verified and before its run is measured. */
  settleMs: number;
  /** An A/A check: two identical configurations, nothing changed on the server. */
  aa: boolean;
  /** Blocks order: keep adding blocks until every paired interval's half-width is at most this (%), … */
  targetEffectPct: number | null;
  /** … or until this much load (ms of measured runs) has been spent. */
  budgetMs: number | null;
  /** A setting outside the server, applied and verified by the user's commands. */
  external: ExternalCommands | null;
  /** Variables to apply through the drop-in and a restart although they are dynamic. */
  viaRestart: string[];
  restart: RestartOptions | null;
  resultsRoot: string;
  connection: ConnectionOptions;
  /** Passed on to every child, which reads it as the matrix did. */
  defaultsFile: string | undefined;
  scenario: string;
  /** Run options for every child, connection options taken out, --fresh added where the scenario has it. */
  runArgs: string[];
  /** The run options of the unrecorded warmup run (runArgs with --duration set to the warmup). */
  warmupArgs: string[];
  durationMs: number;
  /** The innobench entry point the children run. */
  cliEntry: string;
  /** --design switchback: one run given `--switchback <this>` instead of a run per configuration. */
  switchback: string | null;
}

/** matrix-20260102-030405: the folder of a matrix started at `now` (UTC). */
export function matrixFolderName(now: Date): string {
  return `matrix-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

/**
 * The record a matrix keeps up to date while it runs. The connection is kept without its password,
 * the restart command only in its masked form (plan.restart.shownCommand).
 */
export function newMatrixFile(plan: MatrixPlan, matrixId: string, order: readonly PlannedRun[], original: Record<string, string>, now: Date): MatrixFile {
  const { connection } = plan;
  const matrix: MatrixFile = {
    format: 1,
    kind: 'matrix',
    matrixId,
    state: 'running',
    startedAt: now.toISOString(),
    scenario: plan.scenario,
    settings: plan.specs.map((spec) => ({ name: spec.name, values: spec.values.map((value) => value.text) })),
    order: plan.order,
    repeat: plan.repeat,
    // A URL's credentials (--prometheus-remote-write http://user:pass@…) are not recorded.
    runArgs: plan.runArgs.map((arg) => maskCommand(arg)),
    connection: { host: connection.host, port: connection.port, user: connection.user, database: connection.database, ...(connection.socket ? { socket: connection.socket } : {}) },
    combinations: plan.combinations.map((combination) => ({ label: combination.label, settings: combination.settings })),
    runs: order.map((planned, index) => runRecord(plan, planned, index + 1)),
    original: { ...original },
    restored: [],
  };
  if (plan.order === 'random') matrix.seed = plan.seed;
  if (plan.aa) matrix.aa = true;
  if (plan.targetEffectPct !== null) matrix.targetEffectPct = plan.targetEffectPct;
  if (plan.budgetMs !== null) matrix.budgetMs = plan.budgetMs;
  if (plan.external) matrix.external = { name: plan.external.name, apply: plan.external.apply, verify: plan.external.verify, restore: plan.external.restore };
  if (plan.warmupMs !== undefined) matrix.warmupMs = plan.warmupMs;
  if (plan.restart) matrix.restart = { command: plan.restart.shownCommand, dropIn: plan.restart.dropIn };
  return matrix;
}

/** A planned run as matrix.json records it, pending. */
export function runRecord(plan: MatrixPlan, planned: PlannedRun, position: number): MatrixRunRecord {
  const record: MatrixRunRecord = {
    runId: null,
    label: plan.combinations[planned.combination]!.label,
    combination: plan.combinations[planned.combination]!.settings,
    repeat: planned.repeat,
    position,
    state: 'pending',
  };
  if (planned.block !== undefined) record.block = planned.block;
  return record;
}

/** The plan with every measured run lasting `seconds` (an experiment's probe measured how long they must be). */
export function withRunDuration(plan: MatrixPlan, seconds: number): MatrixPlan {
  return { ...plan, durationMs: seconds * 1000, runArgs: withOption(plan.runArgs, 'duration', `${seconds}s`) };
}
