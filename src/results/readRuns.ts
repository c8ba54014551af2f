/**
 * Reading results back: one run folder, a matrix folder (matrix.json + its run folders) or a
 * folder of run folders (which may itself hold matrix folders). Tolerant of what a killed run
 * leaves behind: a run.json still saying `running`, a CSV whose last line was cut, a missing
 * histograms.jsonl. Such runs are listed as incomplete rather than failing the whole read.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeHistogram, newHistogram, type Histogram } from '../metrics/histogram.js';
import { INTERVAL_HISTOGRAMS_FILE, RUN_FILE, STATUS_FILE, TIMELINE_FILE } from './runFolder.js';
import type { AppliedSetting, StoredRun } from './types.js';
import { parseRunFile } from './validateRun.js';

export const MATRIX_FILE = 'matrix.json';

// Part of run.json's shape (types.ts); re-exported for the readers of matrices.
export type { AppliedSetting, RunSettingsRecord, StoredRun } from './types.js';

export interface MatrixRunRecord {
  /** Null when the child failed before it created a run folder. */
  runId: string | null;
  label: string;
  combination: Record<string, string>;
  repeat: number;
  /** Position in the executed order, from 1. */
  position: number;
  state: 'pending' | 'running' | 'completed' | 'interrupted' | 'failed' | 'refused';
  /** Blocks order: the block (A B B A) this run belongs to. */
  block?: number;
  applied?: AppliedSetting[];
  exitCode?: number | null;
  error?: string;
}

export interface MatrixFile {
  format: 1;
  kind: 'matrix';
  matrixId: string;
  state: 'running' | 'completed' | 'interrupted' | 'failed';
  startedAt: string;
  endedAt?: string;
  scenario: string;
  /** Each --set: the variable and its values as written. */
  settings: Array<{ name: string; values: string[] }>;
  order: 'interleaved' | 'random' | 'blocks';
  seed?: number;
  repeat: number;
  warmupMs?: number;
  /** The run options passed to every child (connection options taken out). */
  runArgs: string[];
  /** An A/A check: every configuration is the server as it was, nothing changed. */
  aa?: boolean;
  /** --target-effect (half-width in %) and --budget (ms of load) when the matrix added blocks until either. */
  targetEffectPct?: number;
  budgetMs?: number;
  /** Where the runs went (no password). */
  connection?: { host: string; port: number; socket?: string; user: string; database: string };
  /** The external setting's commands, when one was given. */
  external?: { name: string; apply: string; verify: string; restore: string | null };
  /** Restart command and drop-in, when non-dynamic variables were applied with a restart. */
  restart?: { command: string; dropIn: string };
  /** Configurations in declaration order; the first is the reference of comparisons. */
  combinations: Array<{ label: string; settings: Record<string, string> }>;
  runs: MatrixRunRecord[];
  /** Server variables as they were before the matrix, and what was done to put them back. */
  original: Record<string, string>;
  restored: Array<{ name: string; value: string; ok: boolean; detail: string }>;
  error?: string;
}

/** A run as the readers list it. */
export interface RunEntry {
  dir: string;
  /** The folder name when run.json is unreadable. */
  runId: string;
  run: StoredRun | null;
  /** run.json still says `running` (killed, or still going), or could not be read. */
  incomplete: boolean;
  /** Why run.json could not be used, when it could not: the file named, and each problem. */
  problem?: string;
  /** run.json is there but does not parse or lacks its documented shape (not merely missing). */
  malformed?: boolean;
  /** Configuration label: a matrix's combination, else the run's own id. */
  label: string;
  /** Matrix id when the run belongs to a matrix. */
  matrixId?: string;
  /** ms since the epoch of run.json's last write. */
  modifiedMs: number;
}

export interface RunSet {
  kind: 'run' | 'matrix' | 'folder';
  path: string;
  runs: RunEntry[];
  /** The matrices read (one for a matrix folder, any number for a results folder). */
  matrices: MatrixFile[];
  /** Problems met while reading (unreadable matrix.json ...), never fatal. */
  notes: string[];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads one run folder (or a path to its run.json); never throws for a folder that exists. */
function readRunEntry(path: string, label?: string, matrixId?: string): RunEntry {
  const dir = basename(path) === RUN_FILE ? dirname(path) : path;
  const file = join(dir, RUN_FILE);
  const base = { dir, runId: basename(dir), modifiedMs: 0 };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    base.modifiedMs = statSync(file).mtimeMs;
  } catch (error) {
    return { ...base, run: null, incomplete: true, problem: `no readable ${RUN_FILE}: ${(error as Error).message}`, label: label ?? base.runId, ...(matrixId ? { matrixId } : {}) };
  }
  const parsed = parseRunFile(text);
  if (!parsed.ok) {
    return { ...base, run: null, incomplete: true, malformed: true, problem: `${file} is malformed: ${parsed.problems.join('; ')}`, label: label ?? base.runId, ...(matrixId ? { matrixId } : {}) };
  }
  const run = parsed.run;
  const resolvedMatrix = matrixId ?? run.settings?.matrixId;
  return {
    ...base,
    runId: run.runId,
    run,
    incomplete: run.state === 'running',
    label: label ?? run.settings?.label ?? run.runId,
    ...(resolvedMatrix ? { matrixId: resolvedMatrix } : {}),
  };
}

function isRunFolder(path: string): boolean {
  return existsSync(join(path, RUN_FILE));
}

function isMatrixFolder(path: string): boolean {
  return existsSync(join(path, MATRIX_FILE));
}

function readMatrixFile(dir: string): MatrixFile {
  const parsed = JSON.parse(readFileSync(join(dir, MATRIX_FILE), 'utf8')) as MatrixFile;
  if (parsed.kind !== 'matrix' || !Array.isArray(parsed.runs)) throw new Error(`${join(dir, MATRIX_FILE)} is not a matrix file`);
  return parsed;
}

/**
 * A matrix folder's runs, labelled by matrix.json. Run folders matrix.json does not list (the
 * matrix was killed before it recorded them) are still read, labelled from their own run.json.
 */
function readMatrixFolder(dir: string, notes: string[]): { runs: RunEntry[]; matrix: MatrixFile | null } {
  let matrix: MatrixFile | null = null;
  try {
    matrix = readMatrixFile(dir);
  } catch (error) {
    notes.push(`${join(dir, MATRIX_FILE)}: ${(error as Error).message}; its runs are read on their own`);
  }
  const runs: RunEntry[] = [];
  const seen = new Set<string>();
  for (const record of matrix?.runs ?? []) {
    if (record.runId === null || seen.has(record.runId)) continue;
    const runDir = join(dir, record.runId);
    if (!isDirectory(runDir)) {
      notes.push(`matrix ${matrix!.matrixId}: run ${record.runId} is listed but its folder is missing`);
      continue;
    }
    seen.add(record.runId);
    runs.push(readRunEntry(runDir, record.label, matrix!.matrixId));
  }
  for (const name of listSubfolders(dir)) {
    if (seen.has(name) || !isRunFolder(join(dir, name))) continue;
    runs.push(readRunEntry(join(dir, name), undefined, matrix?.matrixId ?? basename(dir)));
  }
  return { runs, matrix };
}

function listSubfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** Reads whatever `path` is: a run folder, a run.json, a matrix folder or a folder of either. */
export function readRuns(path: string): RunSet {
  const absolute = resolve(path);
  const notes: string[] = [];
  if (basename(absolute) === RUN_FILE || isRunFolder(absolute)) {
    return { kind: 'run', path: absolute, runs: [readRunEntry(absolute)], matrices: [], notes };
  }
  if (basename(absolute) === MATRIX_FILE) return readRuns(dirname(absolute));
  if (!isDirectory(absolute)) throw new Error(`${path}: no such run, matrix or results folder`);
  if (isMatrixFolder(absolute)) {
    const { runs, matrix } = readMatrixFolder(absolute, notes);
    return { kind: 'matrix', path: absolute, runs, matrices: matrix ? [matrix] : [], notes };
  }
  const runs: RunEntry[] = [];
  const matrices: MatrixFile[] = [];
  for (const name of listSubfolders(absolute)) {
    const sub = join(absolute, name);
    if (isRunFolder(sub)) runs.push(readRunEntry(sub));
    else if (isMatrixFolder(sub)) {
      const read = readMatrixFolder(sub, notes);
      runs.push(...read.runs);
      if (read.matrix) matrices.push(read.matrix);
    }
  }
  return { kind: 'folder', path: absolute, runs, matrices, notes };
}

// ---------------------------------------------------------------------------------------------
// Per-interval files

/**
 * The harness's own CSV: a header, then rows of plain values. A row cut short by a kill (fewer
 * cells than the header, or a last line without its newline) is dropped.
 */
function readCsv(path: string): Array<Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = complete.split('\n').filter((line) => line.length > 0);
  const header = lines[0]?.split(',');
  if (!header) return [];
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (cells.length !== header.length) continue;
    rows.push(Object.fromEntries(header.map((name, i) => [name, cells[i]!])));
  }
  return rows;
}

export interface TimelineRow {
  seq: number;
  elapsedSec: number;
  /** Length of the interval, from the previous row's elapsed time (the first from 0). */
  seconds: number;
  op: string;
  ops: number;
  opsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  retries: number;
  deadlocks: number;
}

const num = (text: string | undefined): number => (text === undefined || text === '' ? NaN : Number(text));

/** timeline.csv rows of one operation ("all" = every operation together, the default). */
export function readTimeline(dir: string, op = 'all'): TimelineRow[] {
  const rows = readCsv(join(dir, TIMELINE_FILE)).filter((row) => row.op === op);
  let previous = 0;
  return rows.map((row) => {
    const elapsedSec = num(row.elapsed_s);
    const seconds = elapsedSec - previous;
    previous = elapsedSec;
    return {
      seq: num(row.seq),
      elapsedSec,
      seconds,
      op: row.op ?? op,
      ops: num(row.ops),
      opsPerSec: num(row.ops_per_s),
      p50: num(row.p50_ms),
      p95: num(row.p95_ms),
      p99: num(row.p99_ms),
      max: num(row.max_ms),
      errors: num(row.errors),
      retries: num(row.retries),
      deadlocks: num(row.deadlocks),
    };
  });
}

/** The harness's own figures for one interval (timeline.csv's client_* columns, `all` rows). */
export interface ClientSample {
  elapsedSec: number;
  rssMb: number;
  cpuPct: number;
  loopDelayP99Ms: number;
}

/** The intervals of timeline.csv that carry the harness's own figures (runs before those columns have none). */
export function readClientSamples(dir: string): ClientSample[] {
  return readCsv(join(dir, TIMELINE_FILE))
    .filter((row) => row.op === 'all' && row.client_rss_mb !== undefined && row.client_rss_mb !== '')
    .map((row) => ({
      elapsedSec: num(row.elapsed_s),
      rssMb: num(row.client_rss_mb),
      cpuPct: num(row.client_cpu_pct),
      loopDelayP99Ms: num(row.client_loop_delay_p99_ms),
    }));
}

/**
 * Per-interval ops/s samples of a run, without the last interval when it is partial (shorter
 * than 95 % of the run's interval: the run ended inside it, or its work ran out). The first
 * interval is kept: it is a full interval, ramp-up included, as in every repeat alike.
 */
export function intervalOpsSamples(dir: string, intervalMs: number | undefined): number[] {
  const rows = readTimeline(dir).filter((row) => Number.isFinite(row.opsPerSec));
  const last = rows[rows.length - 1];
  if (last && intervalMs !== undefined && intervalMs > 0 && last.seconds < 0.95 * (intervalMs / 1000)) rows.pop();
  return rows.map((row) => row.opsPerSec);
}

export interface StatusRow {
  seq: number;
  elapsedSec: number;
  seconds: number;
  restarted: boolean;
  counters: Record<string, number>;
}

/** status.csv rows: each interval's counter deltas (divide by `seconds` for rates). */
export function readStatusRows(dir: string): StatusRow[] {
  return readCsv(join(dir, STATUS_FILE)).map((row) => {
    const counters: Record<string, number> = {};
    for (const [name, value] of Object.entries(row)) {
      if (['seq', 'elapsed_s', 'seconds', 'server_restarted'].includes(name) || value === '') continue;
      counters[name] = Number(value);
    }
    return { seq: num(row.seq), elapsedSec: num(row.elapsed_s), seconds: num(row.seconds), restarted: row.server_restarted === '1', counters };
  });
}

export interface IntervalHistogramLine {
  seq: number;
  elapsedSec: number;
  op: string;
  histogram: string;
}

/** histograms.jsonl lines; a line cut by a kill is skipped. */
function readIntervalHistograms(dir: string): IntervalHistogramLine[] {
  let text: string;
  try {
    text = readFileSync(join(dir, INTERVAL_HISTOGRAMS_FILE), 'utf8');
  } catch {
    return [];
  }
  const lines: IntervalHistogramLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as IntervalHistogramLine;
      if (typeof parsed.histogram === 'string') lines.push(parsed);
    } catch {
      // A partial last line.
    }
  }
  return lines;
}

/**
 * The exact latency histogram (µs) of the given runs, every interval and every operation (or one
 * `op`) added together. Returns null when no run has interval histograms.
 */
export function mergedHistogram(dirs: readonly string[], op?: string): Histogram | null {
  const merged = newHistogram();
  let found = false;
  for (const dir of dirs) {
    for (const line of readIntervalHistograms(dir)) {
      if (op !== undefined && line.op !== op) continue;
      merged.add(decodeHistogram(line.histogram));
      found = true;
    }
  }
  return found ? merged : null;
}
