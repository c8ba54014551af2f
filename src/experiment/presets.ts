/**
 * The source write-up's experiments as well-designed matrices: `innobench experiment redo-size |
 * flush-method | trx-commit | io-scheduler | buffer-pool`. Each names its setting and values, runs
 * A B B A blocks (paired differences, analysis/verdicts/paired.ts) with a settle period after every change,
 * and a duration long enough to reach the state the setting is about: for the redo size, twice the
 * time the load takes to write the largest redo (measured by a short probe run first), so that
 * half of each run is past the first fill (analysis/verdicts/steadyState.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredRun } from '../results/readRuns.js';
import { childConnection, runChild } from './childRun.js';
import type { MatrixPlan } from './matrixPlan.js';

export const PRESET_NAMES = ['redo-size', 'flush-method', 'trx-commit', 'io-scheduler', 'buffer-pool'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  /** --set (a server variable) or --external (io-scheduler). */
  variable: string;
  defaultValues: string[];
  blocks: number;
  durationSec: number;
  settleSec: number;
  /** Duration from a probe of the load's redo rate (redo-size). */
  durationFromRedo: boolean;
  needsRestart: boolean;
  why: string;
  /**
   * switchback when the setting changes at once and leaves nothing behind (one run, flipped every
   * slot: the most precise design on a noisy machine); runs otherwise, and `designWhy` says why.
   */
  design: 'switchback' | 'runs';
  designWhy: string;
  /** The switchback run's length. */
  switchbackSec: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  'redo-size': {
    variable: 'innodb_log_file_size',
    defaultValues: ['48M', '1G'],
    blocks: 2,
    durationSec: 60,
    settleSec: 10,
    durationFromRedo: true,
    needsRestart: false,
    why: 'redo capacity sets how far the checkpoint may lag before flushing is forced',
    design: 'runs',
    designWhy: 'the redo size is stateful: its effect shows once the log has filled, which takes longer than a slot, and a resize rewrites the log',
    switchbackSec: 240,
  },
  'flush-method': {
    variable: 'innodb_flush_method',
    defaultValues: ['fsync', 'O_DIRECT', 'O_DSYNC'],
    blocks: 2,
    durationSec: 60,
    settleSec: 5,
    durationFromRedo: false,
    needsRestart: true,
    why: 'how data and log files are written and synced (page cache or not)',
    design: 'runs',
    designWhy: 'innodb_flush_method changes only with a restart',
    switchbackSec: 240,
  },
  'trx-commit': {
    variable: 'innodb_flush_log_at_trx_commit',
    defaultValues: ['1', '2'],
    blocks: 3,
    durationSec: 30,
    settleSec: 5,
    durationFromRedo: false,
    needsRestart: false,
    why: 'whether each commit waits for an fsync of the redo log (1) or only a write (2)',
    design: 'switchback',
    designWhy: 'innodb_flush_log_at_trx_commit changes at once and leaves nothing behind: one run flipped every 4 s slot',
    switchbackSec: 240,
  },
  'io-scheduler': {
    variable: 'io_scheduler',
    defaultValues: [],
    blocks: 2,
    durationSec: 60,
    settleSec: 5,
    durationFromRedo: false,
    needsRestart: false,
    why: "the data disk's block-layer I/O scheduler",
    design: 'runs',
    designWhy: 'the scheduler is outside the server, applied by a command: runs keep each change apart',
    switchbackSec: 240,
  },
  'buffer-pool': {
    variable: 'innodb_buffer_pool_size',
    defaultValues: ['128M', '1G'],
    blocks: 2,
    durationSec: 60,
    settleSec: 10,
    durationFromRedo: false,
    needsRestart: false,
    why: 'how much of the working set stays in memory',
    design: 'runs',
    designWhy: 'resizing the buffer pool blocks while it moves pages, and the pool must warm up again',
    switchbackSec: 240,
  },
};

/** A probe's redo rate and the largest redo size → the run duration (s) that fills it twice, within bounds. */
export function redoDurationSec(bytesPerSec: number, largestRedoBytes: number, minSec: number, maxSec: number): { seconds: number; fillSec: number } {
  const fillSec = bytesPerSec > 0 ? largestRedoBytes / bytesPerSec : Infinity;
  const wanted = Math.ceil((2 * fillSec) / 10) * 10;
  return { seconds: Math.min(maxSec, Math.max(minSec, Number.isFinite(wanted) ? wanted : maxSec)), fillSec };
}

/** The schedulers the kernel offers for a device ("none [mq-deadline] kyber bfq" → all four), and the one in effect. */
export function schedulers(device: string): { offered: string[]; current: string } | null {
  const path = `/sys/block/${device}/queue/scheduler`;
  if (!existsSync(path)) return null;
  const text = readFileSync(path, 'utf8').trim();
  const offered = text.split(/\s+/).map((word) => word.replace(/[[\]]/g, ''));
  const current = /\[([^\]]+)\]/.exec(text)?.[1] ?? offered[0] ?? '';
  return { offered, current };
}

/** The external commands that set, read and restore a device's I/O scheduler. */
export function schedulerCommands(device: string): { apply: string; verify: string } {
  const path = `/sys/block/${device}/queue/scheduler`;
  return { apply: `echo {value} > ${path}`, verify: `sed -n 's/.*\\[\\(.*\\)\\].*/\\1/p' ${path}` };
}

/**
 * The load's redo rate, from a short unrecorded run on the server as it is (the redo written per
 * second depends on the load, hardly on the redo size); null when the run failed or wrote none.
 */
export async function probeRedoRate(plan: MatrixPlan, seconds: number, log: (line: string) => void): Promise<number | null> {
  const scratch = mkdtempSync(join(tmpdir(), 'innobench-probe-'));
  try {
    const connection = childConnection(plan.connection, plan.defaultsFile, process.env);
    const args = [...plan.runArgs];
    while (args.includes('--duration')) args.splice(args.indexOf('--duration'), 2);
    log(`probe: ${seconds}s of the load to measure its redo rate (not recorded)`);
    const result = await runChild(plan.cliEntry, ['run', plan.scenario, ...args, '--duration', `${seconds}s`, '--results', scratch, '--json', ...connection.args], connection.env, false, () => undefined);
    if (result.code !== 0) {
      log(`probe failed (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
    const run = JSON.parse(result.stdout) as StoredRun;
    const rate = run.status?.rate.Innodb_os_log_written;
    return rate !== undefined && rate > 0 ? rate : null;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
