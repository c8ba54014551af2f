/**
 * `innobench compare <run-or-matrix>...`: configurations side by side. A configuration is the
 * runs that share a label: a matrix's combination of settings, or a single run on its own.
 * For each: ops/s with a 95 % CI over its repeats (and per run a CI over its intervals), latency
 * percentiles of the exactly merged histograms, the server's work per operation, then every
 * configuration against the first (a ratio of means, Welch on the log scale), and the seed's redo sizing rule.
 */
import { formatRelative, mean, type MeanInterval, type RelativeDiff } from './stats.js';
import { MIN_RUNS_FOR_INTERVAL, positiveMeanCI, ratioDiff } from './positiveIntervals.js';
import { redoInEffect, redoSizing, type RedoSizing } from './redoSizing.js';
import { latencySummaryMs } from '../../metrics/histogram.js';
import { intervalOpsSamples, mergedHistogram, readStatusRows, readTimeline, type MatrixFile, type RunEntry, type RunSet, type StoredRun } from '../../results/readRuns.js';
import { intervalPoints, steadyState, WARMUP_RULE, type SteadyState, type Stall, type RedoFill } from './steadyState.js';
import { configurationMechanism, mechanismChanges, runMechanism, type ConfigurationMechanism, type MechanismChange, type RunMechanism } from './mechanism.js';
import { blocksForTarget, pairedDiff, type PairedDiff } from './paired.js';

const CONFIDENCE_LEVEL = 0.95;

const METHOD_NOTE =
  'Method: 95 % confidence intervals use Student\'s t on the log scale (mean ×/÷ exp(t · SE / mean)), so an interval ' +
  'of a throughput or a latency never crosses zero; "vs" rows are the ratio of the means on the log scale with Welch\'s t ' +
  '(no equal-variance assumption), so a change never falls below -100 %. Assumes repeats are independent ' +
  `and roughly normal; with fewer than ${MIN_RUNS_FOR_INTERVAL} runs no interval is given (too few runs for an interval). ` +
  'Per-run interval CIs treat consecutive intervals as independent, ' +
  'which they are not (autocorrelated), so they show within-run stability and understate run-to-run spread. ' +
  'Latency percentiles come from the exactly merged HdrHistograms (3 significant digits) of every interval of every repeat.';

export interface ServerCost {
  /** Innodb_data_fsyncs delta / operations. */
  fsyncsPerOp: number | null;
  /** Innodb_os_log_written delta (bytes) / operations. */
  redoBytesPerOp: number | null;
  /** Innodb_log_waits delta over the run (waits for log buffer space; should be 0). */
  logWaits: number | null;
  /** Handler_write delta / operations. */
  handlerWritePerOp: number | null;
}

export interface RunFigures {
  runId: string;
  dir: string;
  label: string;
  state: StoredRun['state'];
  endReason: string | null;
  opsPerSec: number;
  p95Ms: number | null;
  /** CI over the per-interval ops/s (the last partial interval left out). */
  intervalOpsPerSec: MeanInterval | null;
  intervalSamples: number[];
  intervalP95Ms: number[];
  cost: ServerCost;
  /** Innodb_os_log_written per second over the run. */
  redoBytesPerSec: number | null;
  settings?: Record<string, string>;
  steady: SteadyState;
  mechanism: RunMechanism;
  /** The matrix's interleaved block, when it ran in blocks order. */
  block: number | null;
}

export interface ConfigurationFigures {
  key: string;
  label: string;
  matrixId?: string;
  settings?: Record<string, string>;
  n: number;
  runs: RunFigures[];
  opsPerSec: MeanInterval | null;
  latencyMs: { p50: number; p95: number; p99: number; max: number; count: number; merged: 'histograms' | 'summary' } | null;
  cost: ServerCost;
  redo: RedoSizing | null;
  /** Mean [CI] of the runs' steady-state ops/s (warm-up and stalls left out). */
  steadyOpsPerSec: MeanInterval | null;
  /** Runs whose throughput and checkpoint age stopped trending. */
  steadyRuns: number;
  /** Runs with too few intervals to judge a steady state (counted apart from those still trending). */
  unjudgedRuns: number;
  stalls: Array<Stall & { runId: string }>;
  /** The run that wrote the least redo against the capacity in effect. */
  redoFill: RedoFill | null;
  mechanism: ConfigurationMechanism;
}

export interface ConfigurationComparison {
  label: string;
  reference: string;
  opsPerSec: RelativeDiff;
  p95: RelativeDiff;
  opsPerSecText: string;
  p95Text: string;
  /** Only when a side has too few runs for an interval: the same tests over per-interval samples (indicative). */
  intervals?: { opsPerSec: RelativeDiff; p95: RelativeDiff; opsPerSecText: string; p95Text: string };
  /** Ratio of the runs' steady-state ops/s (warm-up and stalls left out). */
  steadyOpsPerSec: RelativeDiff;
  steadyOpsPerSecText: string;
  /** Paired over interleaved blocks, when the runs carry blocks: whole runs and steady state. */
  paired: { whole: PairedDiff; steady: PairedDiff; blocksForTarget: number | null } | null;
  /** Mechanism figures that changed significantly, largest first. */
  mechanism: MechanismChange[];
}

export interface CompareReport {
  sources: Array<{ path: string; kind: RunSet['kind']; runs: number; matrixId?: string }>;
  configurations: ConfigurationFigures[];
  comparisons: ConfigurationComparison[];
  excluded: Array<{ runId: string; dir: string; reason: string }>;
  notes: string[];
  level: number;
  method: string;
  warmupRule: string;
  /** The half-width (in %) blocks are judged against (`--target-effect`), when given. */
  targetEffectPct: number | null;
  /** Every configuration is the same setting (the matrix's A/A check). */
  aa: boolean;
}

/** Why a run cannot stand for its configuration, or null when it can. */
function exclusionReason(entry: RunEntry): string | null {
  if (entry.run === null) return entry.problem ?? 'run.json unreadable';
  if (entry.run.state === 'running') return 'incomplete: run.json still says running (killed, or still going)';
  if (entry.run.state !== 'completed') return `its state is ${entry.run.state}${entry.run.error ? ` (${entry.run.error})` : ''}`;
  if (!entry.run.summary) return 'no summary';
  return null;
}

function perOp(delta: number | undefined, ops: number): number | null {
  return delta === undefined || ops <= 0 ? null : delta / ops;
}

function runFigures(entry: RunEntry, run: StoredRun): RunFigures {
  const summary = run.summary!;
  const delta = run.status?.delta ?? {};
  const intervalMs = typeof run.config.intervalMs === 'number' ? run.config.intervalMs : undefined;
  const intervalSamples = intervalOpsSamples(entry.dir, intervalMs);
  const timeline = readTimeline(entry.dir);
  const lastPartial = timeline.length > intervalSamples.length;
  const intervalP95Ms = (lastPartial ? timeline.slice(0, -1) : timeline).map((row) => row.p95).filter(Number.isFinite);
  const complete = lastPartial ? timeline.slice(0, -1) : timeline;
  const steady = steadyState(intervalPoints(complete, readStatusRows(entry.dir)), redoInEffect(run.server?.variables).inEffect?.totalBytes ?? null, resizedRedo(run));
  const figures: RunFigures = {
    runId: run.runId,
    dir: entry.dir,
    label: entry.label,
    state: run.state,
    endReason: summary.endReason ?? null,
    opsPerSec: summary.opsPerSec,
    p95Ms: summary.latencyMs?.p95 ?? null,
    intervalOpsPerSec: intervalSamples.length > 0 ? positiveMeanCI(intervalSamples, CONFIDENCE_LEVEL) : null,
    intervalSamples,
    intervalP95Ms,
    cost: {
      fsyncsPerOp: perOp(delta.Innodb_data_fsyncs, summary.ops),
      redoBytesPerOp: perOp(delta.Innodb_os_log_written, summary.ops),
      logWaits: delta.Innodb_log_waits ?? null,
      handlerWritePerOp: perOp(delta.Handler_write, summary.ops),
    },
    redoBytesPerSec: run.status?.rate.Innodb_os_log_written ?? null,
    steady,
    mechanism: runMechanism(delta, summary.ops, run.settings?.serverCpuSec ?? null, steady.checkpointPeakShare),
    block: run.settings?.block ?? null,
  };
  if (run.settings) figures.settings = run.settings.combination;
  return figures;
}

const REDO_VARIABLES = ['innodb_log_file_size', 'innodb_redo_log_capacity'];

/** A redo size applied with SET GLOBAL just before the run: its first stalls are the resize's. */
function resizedRedo(run: StoredRun): boolean {
  return run.settings?.applied.some((a) => REDO_VARIABLES.includes(a.name) && a.method === 'set-global') ?? false;
}

function meanOrNull(values: Array<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  return present.length === 0 ? null : mean(present);
}

interface Group {
  key: string;
  label: string;
  matrixId?: string;
  settings?: Record<string, string>;
  entries: Array<{ entry: RunEntry; run: StoredRun }>;
  order: number;
}

/** Builds the comparison of every configuration found in `sets`. */
export function buildComparison(sets: readonly RunSet[], level = CONFIDENCE_LEVEL, targetEffectPct: number | null = null): CompareReport {
  const notes = sets.flatMap((set) => set.notes);
  const excluded: CompareReport['excluded'] = [];
  const matrices = new Map<string, MatrixFile>();
  for (const set of sets) for (const matrix of set.matrices) matrices.set(matrix.matrixId, matrix);
  const groups = groupRuns(sets, excluded);
  const matrixCount = new Set(groups.map((group) => group.matrixId).filter((id) => id !== undefined)).size;
  const configurations: ConfigurationFigures[] = [];
  for (const group of groups) {
    if (group.entries.length > 0) configurations.push(configurationFigures(group, level, matrixCount, notes));
    else if (group.matrixId !== undefined) notes.push(`${group.label}: no completed run`);
  }
  const target = targetEffectPct ?? targetFrom(matrices);
  const [reference, ...others] = configurations;
  const comparisons = reference ? others.map((other) => compareTwo(reference, other, level, target)) : [];
  const aa = matrices.size > 0 && [...matrices.values()].every((matrix) => matrix.aa === true);
  const sources = sets.map((set) => {
    const source: CompareReport['sources'][number] = { path: set.path, kind: set.kind, runs: set.runs.length };
    if (set.kind === 'matrix' && set.matrices[0]) source.matrixId = set.matrices[0].matrixId;
    return source;
  });
  return { sources, configurations, comparisons, excluded, notes, level, method: METHOD_NOTE, warmupRule: WARMUP_RULE, targetEffectPct: target, aa };
}

/**
 * The runs of every set by configuration, in report order; a run listed by two sets counts once and
 * runs that cannot be compared go to `excluded`. Matrix configurations come first, in their declared
 * order, so the first is the reference; single runs of a folder follow in the order they ran.
 */
function groupRuns(sets: readonly RunSet[], excluded: CompareReport['excluded']): Group[] {
  const groups = new Map<string, Group>();
  for (const set of sets) {
    for (const matrix of set.matrices) {
      for (const combination of matrix.combinations) {
        const key = `${matrix.matrixId}\u0000${combination.label}`;
        if (!groups.has(key)) groups.set(key, { key, label: combination.label, matrixId: matrix.matrixId, settings: combination.settings, entries: [], order: groups.size });
      }
    }
  }
  const seenDirs = new Set<string>();
  for (const set of sets) {
    const standalone = set.runs.filter((entry) => entry.matrixId === undefined);
    standalone.sort((a, b) => (a.run?.startedAt ?? '').localeCompare(b.run?.startedAt ?? ''));
    for (const entry of [...set.runs.filter((e) => e.matrixId !== undefined), ...standalone]) {
      if (seenDirs.has(entry.dir)) continue;
      seenDirs.add(entry.dir);
      const reason = exclusionReason(entry);
      if (reason === null) groupFor(groups, entry).entries.push({ entry, run: entry.run! });
      else excluded.push({ runId: entry.runId, dir: entry.dir, reason });
    }
  }
  return [...groups.values()].sort((a, b) => a.order - b.order);
}

/** The configuration a comparable run belongs to: its matrix combination, or a group of its own. */
function groupFor(groups: Map<string, Group>, entry: RunEntry): Group {
  const key = entry.matrixId !== undefined ? `${entry.matrixId}\u0000${entry.label}` : entry.dir;
  const existing = groups.get(key);
  if (existing) return existing;
  const group: Group = { key, label: entry.label, entries: [], order: groups.size };
  if (entry.matrixId !== undefined) group.matrixId = entry.matrixId;
  if (entry.run!.settings) group.settings = entry.run!.settings.combination;
  groups.set(key, group);
  return group;
}

/** One configuration's figures over its runs; what could not be merged goes to `notes`. */
function configurationFigures(group: Group, level: number, matrixCount: number, notes: string[]): ConfigurationFigures {
  const runs = group.entries.map(({ entry, run }) => runFigures(entry, run));
  const firstVariables = group.entries[0]!.run.server?.variables;
  const latencyMs = mergedLatency(group, runs, notes);
  notes.push(...redoVariableNotes(group));
  const figures: ConfigurationFigures = {
    key: group.key,
    label: group.matrixId !== undefined && matrixCount > 1 ? `${group.matrixId}: ${group.label}` : group.label,
    n: runs.length,
    runs,
    opsPerSec: positiveMeanCI(runs.map((run) => run.opsPerSec), level),
    latencyMs,
    cost: {
      fsyncsPerOp: meanOrNull(runs.map((run) => run.cost.fsyncsPerOp)),
      redoBytesPerOp: meanOrNull(runs.map((run) => run.cost.redoBytesPerOp)),
      logWaits: meanOrNull(runs.map((run) => run.cost.logWaits)),
      handlerWritePerOp: meanOrNull(runs.map((run) => run.cost.handlerWritePerOp)),
    },
    redo: redoSizing(meanOrNull(runs.map((run) => run.redoBytesPerSec)), firstVariables),
    ...steadyFigures(runs, level),
  };
  if (group.matrixId !== undefined) figures.matrixId = group.matrixId;
  if (group.settings) figures.settings = group.settings;
  return figures;
}

/** Percentiles over every repeat need their histograms; a single run can fall back on its summary. */
function mergedLatency(group: Group, runs: readonly RunFigures[], notes: string[]): ConfigurationFigures['latencyMs'] {
  const histogram = mergedHistogram(runs.map((run) => run.dir));
  if (histogram !== null) {
    const summary = latencySummaryMs(histogram);
    return { p50: summary.p50, p95: summary.p95, p99: summary.p99, max: summary.max, count: histogram.totalCount, merged: 'histograms' };
  }
  if (group.entries.length === 1) {
    const summary = group.entries[0]!.run.summary!;
    notes.push(`${group.label}: no histograms.jsonl, latency taken from run.json's summary`);
    return { ...summary.latencyMs, count: summary.ops, merged: 'summary' };
  }
  notes.push(`${group.label}: no histograms.jsonl, so percentiles of the repeats cannot be merged`);
  return null;
}

/** Repeats of one configuration should share the redo size: a different one changes what is measured. */
function redoVariableNotes(group: Group): string[] {
  const firstVariables = group.entries[0]!.run.server?.variables;
  const redoVariables = ['innodb_log_file_size', 'innodb_redo_log_capacity', 'innodb_log_files_in_group'];
  return group.entries.slice(1).flatMap(({ run }) => {
    const differs = redoVariables.filter((name) => run.server?.variables?.[name] !== firstVariables?.[name]);
    return differs.length > 0 ? [`${group.label}: ${run.runId} ran with a different ${differs.join(', ')} than its first repeat`] : [];
  });
}

/** The --target-effect a matrix ran to, when any did. */
function targetFrom(matrices: ReadonlyMap<string, MatrixFile>): number | null {
  return [...matrices.values()].find((matrix) => matrix.targetEffectPct !== undefined)?.targetEffectPct ?? null;
}

/** A configuration's steady-state figures over its runs. */
function steadyFigures(runs: readonly RunFigures[], level: number): Pick<ConfigurationFigures, 'steadyOpsPerSec' | 'steadyRuns' | 'unjudgedRuns' | 'stalls' | 'redoFill' | 'mechanism'> {
  const steady = runs.map((run) => run.steady.steadyOpsPerSec).filter((v): v is number => v !== null);
  const fills = runs.map((run) => run.steady.redo).filter((fill): fill is RedoFill => fill !== null);
  return {
    steadyOpsPerSec: steady.length > 0 ? positiveMeanCI(steady, level) : null,
    steadyRuns: runs.filter((run) => run.steady.reached).length,
    unjudgedRuns: runs.filter((run) => !run.steady.judged).length,
    stalls: runs.flatMap((run) => run.steady.stalls.map((stall) => ({ ...stall, runId: run.runId }))),
    redoFill: fills.length === 0 ? null : fills.reduce((worst, fill) => (fill.writtenBytes / fill.capacityBytes < worst.writtenBytes / worst.capacityBytes ? fill : worst)),
    mechanism: configurationMechanism(runs.map((run) => run.mechanism), level),
  };
}

/** Paired over the blocks both configurations ran in: whole-run and steady-state ops/s. */
function pairedFigures(reference: ConfigurationFigures, other: ConfigurationFigures, level: number, targetEffectPct: number | null): ConfigurationComparison['paired'] {
  const runs = [...reference.runs.map((run) => ({ run, label: 'A' })), ...other.runs.map((run) => ({ run, label: 'B' }))];
  if (runs.some(({ run }) => run.block === null)) return null;
  const whole = pairedDiff(runs.map(({ run, label }) => ({ block: run.block!, label, value: run.opsPerSec })), 'A', 'B', level);
  const steady = pairedDiff(runs.map(({ run, label }) => ({ block: run.block!, label, value: run.steady.steadyOpsPerSec ?? NaN })), 'A', 'B', level);
  const named = (diff: PairedDiff): PairedDiff => ({ ...diff, label: other.label, reference: reference.label });
  return { whole: named(whole), steady: named(steady), blocksForTarget: targetEffectPct === null ? null : blocksForTarget(whole, targetEffectPct) };
}

function compareTwo(reference: ConfigurationFigures, other: ConfigurationFigures, level: number, targetEffectPct: number | null): ConfigurationComparison {
  const p95 = (config: ConfigurationFigures): number[] => config.runs.map((run) => run.p95Ms).filter((value): value is number => value !== null);
  const opsPerSec = ratioDiff(reference.runs.map((run) => run.opsPerSec), other.runs.map((run) => run.opsPerSec), level);
  const p95Diff = ratioDiff(p95(reference), p95(other), level);
  const steadyOps = (config: ConfigurationFigures): number[] => config.runs.map((run) => run.steady.steadyOpsPerSec).filter((v): v is number => v !== null);
  const steadyOpsPerSec = ratioDiff(steadyOps(reference), steadyOps(other), level);
  const comparison: ConfigurationComparison = {
    label: other.label,
    reference: reference.label,
    opsPerSec,
    p95: p95Diff,
    opsPerSecText: formatRelative(opsPerSec),
    p95Text: formatRelative(p95Diff),
    steadyOpsPerSec,
    steadyOpsPerSecText: formatRelative(steadyOpsPerSec),
    paired: pairedFigures(reference, other, level, targetEffectPct),
    mechanism: mechanismChanges(reference.runs.map((run) => run.mechanism), other.runs.map((run) => run.mechanism), level),
  };
  if (reference.n < MIN_RUNS_FOR_INTERVAL || other.n < MIN_RUNS_FOR_INTERVAL) {
    const samples = (config: ConfigurationFigures): number[] => config.runs.flatMap((run) => run.intervalSamples);
    const p95Samples = (config: ConfigurationFigures): number[] => config.runs.flatMap((run) => run.intervalP95Ms);
    const ops = ratioDiff(samples(reference), samples(other), level, 'intervals');
    const latency = ratioDiff(p95Samples(reference), p95Samples(other), level, 'intervals');
    comparison.intervals = { opsPerSec: ops, p95: latency, opsPerSecText: formatRelative(ops), p95Text: formatRelative(latency) };
  }
  return comparison;
}
