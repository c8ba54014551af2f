/**
 * The matrix's run loop: every combination of settings × repeat, in interleaved (A B A B) or
 * seeded random order. Before each run the combination is applied (settings.ts) and verified; the
 * run is a child process (`innobench run … --fresh --json`, childRun.ts) writing into the matrix
 * folder; its run.json then gets the settings that were in effect. Every changed variable is
 * restored at the end, also on failure and interruption. The matrix folder holds matrix.json and
 * the runs. What the loop returns is an outcome; the command decides what to print and how to exit.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrubSecret } from '../config/redact.js';
import { undoAll } from '../db/globalsGuard.js';
import { restoreEveryJournal } from '../serverState/journal.js';
import { MATRIX_FILE, type MatrixFile, type StoredRun } from '../results/readRuns.js';
import { RUN_FILE } from '../results/runFolder.js';
import { blockRuns, runOrder } from './settingSpec.js';
import { SettingRefused, SettingsManager } from './settings.js';
import { childConnection, runChild, type ChildResult } from './childRun.js';
import { writeFileAtomic } from '../config/atomicFile.js';
import { matrixFolderName, newMatrixFile, runRecord, type MatrixPlan } from './matrixPlan.js';
import { clockTicksPerSec, processCpuTicks } from '../metrics/processCpu.js';
import { pairedDiff } from '../analysis/verdicts/paired.js';

/** How a matrix ended. `refused`: nothing was changed (the matrix cannot run as asked). */
export type MatrixOutcome =
  | { kind: 'refused'; problems: string[] }
  | { kind: 'unreachable'; message: string }
  | {
      kind: 'ran';
      dir: string;
      matrix: MatrixFile;
      interrupted: boolean;
      /** The first failure, which ended the matrix; childExitCode when a run's own exit said why. */
      failure: { message: string; childExitCode: number | null } | null;
    };

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n  ');
}

/** The local server's CPU ticks now, to measure a run's from; null when it is not local. */
function cpuStart(pid: number | null): { pid: number; ticks: number } | null {
  if (pid === null) return null;
  try {
    return { pid, ticks: processCpuTicks(pid) };
  } catch {
    return null;
  }
}

/** The local server's CPU seconds since `from` (null when it is not local, or it restarted meanwhile). */
function cpuSince(from: { pid: number; ticks: number } | null): number | null {
  if (from === null) return null;
  try {
    return (processCpuTicks(from.pid) - from.ticks) / clockTicksPerSec();
  } catch {
    return null;
  }
}

/** Adds the verified settings to the run's run.json, atomically. */
function recordSettings(runDir: string, settings: NonNullable<StoredRun['settings']>): void {
  const path = join(runDir, RUN_FILE);
  const run = JSON.parse(readFileSync(path, 'utf8')) as StoredRun;
  run.settings = settings;
  writeFileAtomic(path, JSON.stringify(run, null, 2) + '\n');
}

/** The run a child left: its --json output, else the one run folder it created. */
function childRun(result: ChildResult, dir: string, before: Set<string>): StoredRun | null {
  try {
    return JSON.parse(result.stdout) as StoredRun;
  } catch {
    const created = readdirSync(dir).filter((entry) => !before.has(entry) && existsSync(join(dir, entry, RUN_FILE)));
    if (created.length !== 1) return null;
    try {
      return JSON.parse(readFileSync(join(dir, created[0]!, RUN_FILE), 'utf8')) as StoredRun;
    } catch {
      return null;
    }
  }
}

export class MatrixRunner {
  private interrupted = false;
  private current: ChildProcess | null = null;
  private matrix: MatrixFile | null = null;
  private dir = '';
  private readonly settings: SettingsManager;
  /** ops/s of each completed run, by its position (what --target-effect judges). */
  private readonly opsPerSec = new Map<number, number>();
  /** Every message that reaches the console or matrix.json passes here: a driver may echo the password. */
  private readonly mask: (text: string) => string;

  constructor(
    private readonly plan: MatrixPlan,
    private readonly log: (line: string) => void,
  ) {
    this.settings = new SettingsManager(plan.connection, plan.specs.map((spec) => spec.name), plan.restart, log, plan.external, plan.viaRestart);
    this.mask = (text) => scrubSecret(text, plan.connection.password);
  }

  /** Stops the run in progress (SIGINT to its process group); the loop then restores and ends. */
  interrupt(): void {
    this.interrupted = true;
    this.current?.kill('SIGINT');
  }

  /**
   * Kills the run in progress, undoes every pending change (each within 5 s): the drop-in and its
   * restart first (a restart resets dynamic variables), then every journalled SET GLOBAL; saves matrix.json.
   */
  async forceStop(): Promise<void> {
    this.interrupted = true;
    this.current?.kill('SIGKILL');
    await undoAll(5000, this.log);
    await restoreEveryJournal(this.log, 5000);
    if (this.matrix) {
      this.matrix.state = 'interrupted';
      this.matrix.endedAt = new Date().toISOString();
      this.matrix.restored = this.settings.restored;
      this.save();
    }
  }

  private save(): void {
    writeFileAtomic(join(this.dir, MATRIX_FILE), JSON.stringify(this.matrix, null, 2) + '\n');
  }

  async run(): Promise<MatrixOutcome> {
    const { plan, settings, log } = this;
    let problems: string[];
    try {
      problems = await settings.init();
    } catch (error) {
      await settings.close();
      return { kind: 'unreachable', message: this.mask(`cannot read the server's settings: ${(error as Error).message}`) };
    }
    if (problems.length > 0) {
      await settings.close();
      return { kind: 'refused', problems: problems.map(this.mask) };
    }

    mkdirSync(plan.resultsRoot, { recursive: true });
    let name = matrixFolderName(new Date());
    for (let suffix = 2; existsSync(join(plan.resultsRoot, name)); suffix++) name = `${matrixFolderName(new Date())}-${suffix}`;
    this.dir = join(plan.resultsRoot, name);
    mkdirSync(this.dir);
    const order = runOrder(plan.combinations.length, plan.repeat, plan.order, plan.seed);
    const matrix = newMatrixFile(plan, name, order, settings.original, new Date());
    this.matrix = matrix;
    this.save();
    const totalSec = (order.length * (plan.durationMs + (plan.warmupMs ?? 0) + plan.settleMs)) / 1000;
    log(
      `matrix ${name}: ${plan.combinations.length} configuration(s) × ${plan.order === 'blocks' ? `${plan.repeat} A B B A block(s)` : `${plan.repeat} repeat(s)`} = ${order.length} runs, ${plan.order} order, ` +
        `at least ${totalSec.toFixed(0)}s of load; results in ${this.dir}`,
    );
    log(`original settings: ${Object.entries(settings.original).map(([n, v]) => `${n} = ${v}`).join(', ')}`);

    let failure: { message: string; childExitCode: number | null } | null = null;
    try {
      failure = await this.runAll(matrix);
    } finally {
      log('restoring the server settings');
      matrix.restored = await settings.restore();
      await settings.close();
      matrix.state = this.interrupted ? 'interrupted' : failure ? 'failed' : 'completed';
      if (failure) matrix.error = failure.message;
      matrix.endedAt = new Date().toISOString();
      this.save();
    }
    return { kind: 'ran', dir: this.dir, matrix, interrupted: this.interrupted, failure };
  }

  /** Runs the planned runs in order; returns the failure that ended them, or null. */
  private async runAll(matrix: MatrixFile): Promise<{ message: string; childExitCode: number | null } | null> {
    const { plan, settings, log, mask } = this;
    const connection = childConnection(plan.connection, plan.defaultsFile, process.env);
    const spawned = (child: ChildProcess): void => {
      this.current = child;
    };
    for (const record of matrix.runs) {
      if (this.interrupted) return null;
      const combination = plan.combinations.find((c) => c.label === record.label)!;
      log(`--- run ${record.position}/${matrix.runs.length}: ${record.label} (repeat ${record.repeat})`);
      try {
        record.applied = await settings.apply(combination);
      } catch (error) {
        const message = mask(error instanceof SettingRefused ? error.message : `applying ${record.label} failed: ${(error as Error).message}`);
        record.state = 'refused';
        record.error = message;
        this.save();
        return { message, childExitCode: null };
      }
      log(record.applied.length ? `verified: ${record.applied.map((a) => `${a.name} = ${a.inEffect} (${a.method}; ${a.match})`).join(', ')}` : 'verified: nothing to change (the server as it is)');
      const verifiedAt = new Date().toISOString();
      if (this.interrupted) return null;

      if (plan.warmupMs !== undefined) {
        const scratch = mkdtempSync(join(tmpdir(), 'innobench-warmup-'));
        log(`warmup: ${plan.warmupMs / 1000}s, not recorded`);
        const warm = await runChild(plan.cliEntry, ['run', plan.scenario, ...plan.warmupArgs, '--results', scratch, ...connection.args], connection.env, false, spawned);
        this.current = null;
        rmSync(scratch, { recursive: true, force: true });
        if (this.interrupted) return null;
        if (warm.code !== 0) {
          record.state = 'failed';
          record.error = mask(`warmup failed: ${lastLines(warm.stderr)}`);
          this.save();
          return { message: mask(`the warmup run failed (exit ${warm.code ?? warm.signal}):\n  ${lastLines(warm.stderr)}`), childExitCode: warm.code };
        }
      }

      if (plan.settleMs > 0) {
        log(`settling: ${plan.settleMs / 1000}s idle before measuring`);
        await this.pause(plan.settleMs);
        if (this.interrupted) return null;
      }

      record.state = 'running';
      this.save();
      const before = new Set(readdirSync(this.dir));
      const cpuFrom = cpuStart(await settings.serverPid());
      const result = await runChild(plan.cliEntry, ['run', plan.scenario, ...plan.runArgs, '--results', this.dir, '--json', ...connection.args], connection.env, true, spawned);
      this.current = null;
      const serverCpuSec = cpuSince(cpuFrom);
      record.exitCode = result.code;
      const run = childRun(result, this.dir, before);
      if (run !== null) {
        record.runId = run.runId;
        const stored: NonNullable<StoredRun['settings']> = { matrixId: matrix.matrixId, label: record.label, combination: record.combination, repeat: record.repeat, applied: record.applied, verifiedAt };
        if (record.block !== undefined) stored.block = record.block;
        if (serverCpuSec !== null) stored.serverCpuSec = serverCpuSec;
        recordSettings(join(this.dir, run.runId), stored);
        if (run.summary) this.opsPerSec.set(record.position, run.summary.opsPerSec);
      }
      if (this.interrupted && run?.state !== 'completed') {
        // Stopped by the user: a run cut short (or killed before it could catch the signal) is not a failure.
        record.state = 'interrupted';
        if (result.code !== 0) record.error = `stopped (exit ${result.code ?? result.signal})`;
        this.save();
        return null;
      }
      record.state = run?.state === 'running' || run === null ? 'failed' : run.state;
      if (record.state === 'failed') {
        record.error = mask(run?.error ?? `exit ${result.code ?? result.signal}: ${lastLines(result.stderr)}`);
        this.save();
        return { message: `run ${record.position} (${record.label}) failed: ${record.error}`, childExitCode: result.code };
      }
      this.save();
      if (record.state === 'interrupted') this.interrupted = true;
      else this.addBlockIfNeeded(matrix, record.position);
    }
    return null;
  }

  /** An idle pause that Ctrl-C ends early. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.interrupted && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }

  /**
   * With --target-effect, after the last run of a block: another block while any paired interval
   * is wider than the target and the budget allows one more block; says which ended it.
   */
  private addBlockIfNeeded(matrix: MatrixFile, position: number): void {
    const { plan, log } = this;
    if (plan.targetEffectPct === null || position !== matrix.runs.length) return;
    const lastBlock = matrix.runs[matrix.runs.length - 1]!.block ?? 0;
    const runs = matrix.runs.filter((r) => this.opsPerSec.has(r.position)).map((r) => ({ block: r.block ?? 0, label: r.label, value: this.opsPerSec.get(r.position)! }));
    const reference = plan.combinations[0]!.label;
    const widths = plan.combinations.slice(1).map((c) => pairedDiff(runs, reference, c.label).halfWidthPct);
    const widest = widths.some((w) => w === null) ? Infinity : Math.max(...(widths as number[]));
    if (widest <= plan.targetEffectPct) {
      log(`target reached: the widest paired interval is ±${widest.toFixed(1)} % after ${lastBlock} block(s) (target ±${plan.targetEffectPct} %)`);
      return;
    }
    const perRunMs = plan.durationMs + (plan.warmupMs ?? 0);
    const spentMs = matrix.runs.length * perRunMs;
    const blockMs = 2 * plan.combinations.length * perRunMs;
    if (plan.budgetMs !== null && spentMs + blockMs > plan.budgetMs) {
      log(`budget reached: ${(spentMs / 1000).toFixed(0)} s of load spent, another block needs ${(blockMs / 1000).toFixed(0)} s; the widest paired interval is ±${Number.isFinite(widest) ? widest.toFixed(1) : '∞'} % (target ±${plan.targetEffectPct} %)`);
      return;
    }
    log(`the widest paired interval is ±${Number.isFinite(widest) ? widest.toFixed(1) : '∞'} % after ${lastBlock} block(s), target ±${plan.targetEffectPct} %: adding block ${lastBlock + 1}`);
    for (const planned of blockRuns(plan.combinations.length, lastBlock + 1)) matrix.runs.push(runRecord(plan, planned, matrix.runs.length + 1));
    this.save();
  }
}
