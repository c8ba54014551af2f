/**
 * Merging runs taken at the same time on several client machines (`--shard i/N`) into one result:
 * histograms are added exactly (from each run's interval histograms), harness counts are summed,
 * and the server's counters are taken from ONE run's sampler: every shard sampled the same
 * server, so summing them would count each insert N times.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { emptyCounts } from '../metrics/opMeters.js';
import { OpTotals } from '../metrics/opTotals.js';
import { decodeHistogram, newHistogram, type Histogram } from '../metrics/histogram.js';
import type { RunFile, Summary } from './types.js';
import { summarize } from './summary.js';
import { INTERVAL_HISTOGRAMS_FILE, RUN_FILE } from './runFolder.js';
import { parseRunFile } from './validateRun.js';
import { HISTOGRAM_LOG_FILE, readHistogramLog, type HistogramLog } from './histogramLog.js';
import { mergedShardRecord, overlapProblem, sharedConfig, shardWindow, type ShardWindow } from './shardWindows.js';

export interface LoadedRun {
  dir: string;
  run: RunFile;
  /** Per op type, the sum of the run's interval histograms. */
  histograms: Map<string, Histogram>;
  /** The run's latency.hlog, when it has one. */
  histogramLog?: HistogramLog;
}

/** Reads a run folder for merging; throws, naming the file, when run.json is malformed. */
export function loadRunWithHistograms(dir: string): LoadedRun {
  const file = join(dir, RUN_FILE);
  const parsed = parseRunFile(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file} is malformed: ${parsed.problems.join('; ')}`);
  const run = parsed.run;
  const histograms = new Map<string, Histogram>();
  const path = join(dir, INTERVAL_HISTOGRAMS_FILE);
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const { op, histogram } = JSON.parse(line) as { op: unknown; histogram: unknown };
      if (typeof op !== 'string' || typeof histogram !== 'string') throw new Error(`${path}: a line without its op and histogram`);
      let total = histograms.get(op);
      if (!total) histograms.set(op, (total = newHistogram()));
      total.add(decodeHistogram(histogram));
    }
  }
  const logPath = join(dir, HISTOGRAM_LOG_FILE);
  if (!existsSync(logPath)) return { dir, run, histograms };
  const histogramLog = readHistogramLog(readFileSync(logPath, 'utf8'));
  // A folder holding only HdrHistogram's log (from another tool, or with histograms.jsonl removed).
  if (!existsSync(path)) {
    for (const { tag, histogram } of histogramLog.intervals) {
      let total = histograms.get(tag);
      if (!total) histograms.set(tag, (total = newHistogram()));
      total.add(histogram);
    }
  }
  return { dir, run, histograms, histogramLog };
}

/** The shard a run did (0-based index of N), from its config, or null when it ran unsharded. */
function shardOf(run: RunFile): { index: number; of: number } | null {
  const shard = run.config.shard;
  if (typeof shard !== 'object' || shard === null || !('index' in shard) || !('of' in shard)) return null;
  const { index, of } = shard;
  return typeof index === 'number' && typeof of === 'number' && Number.isInteger(index) && Number.isInteger(of) ? { index, of } : null;
}

/**
 * Why these runs do not make one result, empty when they do: every shard of one --shard i/N set,
 * each exactly once, of one scenario. A run given twice would count its operations twice.
 */
export function mergeProblems(runs: readonly LoadedRun[]): string[] {
  const problems: string[] = [];
  const scenarios = new Set(runs.map((r) => r.run.scenario));
  if (scenarios.size > 1) problems.push(`runs of different scenarios cannot be merged: ${[...scenarios].join(', ')}`);
  const seen = new Map<string, string>();
  for (const { dir, run } of runs) {
    const earlier = seen.get(run.runId);
    if (earlier !== undefined) problems.push(`run ${run.runId} is given twice (${earlier} and ${dir}): its operations would count twice`);
    else seen.set(run.runId, dir);
  }
  const shards = runs.map((r) => ({ dir: r.dir, shard: shardOf(r.run) }));
  const unsharded = shards.filter((s) => s.shard === null);
  if (unsharded.length > 0) problems.push(`not a shard (run without --shard i/N): ${unsharded.map((s) => s.dir).join(', ')}`);
  const sets = new Set(shards.flatMap((s) => (s.shard ? [s.shard.of] : [])));
  if (sets.size > 1) problems.push(`shards of different sets (N = ${[...sets].sort((a, b) => a - b).join(', ')}) cannot be merged`);
  else if (sets.size === 1 && unsharded.length === 0) {
    const [of] = sets;
    const indexes = new Set(shards.map((s) => s.shard!.index));
    const missing = Array.from({ length: of! }, (_, i) => i).filter((i) => !indexes.has(i));
    if (missing.length > 0) problems.push(`shards ${missing.map((i) => `${i + 1}/${of}`).join(', ')} are missing: the merge would not be the whole work`);
    if (indexes.size < shards.length && seen.size === runs.length) {
      problems.push(`a shard is given more than once: ${shards.map((s) => `${s.shard!.index + 1}/${of} (${s.dir})`).join(', ')}`);
    }
    if (problems.length === 0) problems.push(...timeAndConfigProblems(runs));
  }
  return problems;
}

/** A whole set must also have run at the same time, with one configuration. */
function timeAndConfigProblems(runs: readonly LoadedRun[]): string[] {
  const problems: string[] = [];
  const configs = new Map<string, string[]>();
  for (const { dir, run } of runs) configs.set(sharedConfig(run), [...(configs.get(sharedConfig(run)) ?? []), dir]);
  if (configs.size > 1) problems.push(`the shards were given different options (apart from --shard): ${[...configs.values()].map((dirs) => dirs.join(' + ')).join(' vs ')}`);
  const windows = shardWindows(runs);
  if (windows.length < runs.length) problems.push('a shard does not say when it ran (startedAt/endedAt), so overlap cannot be checked');
  else {
    const overlap = overlapProblem(windows);
    if (overlap) problems.push(overlap);
  }
  return problems;
}

function shardWindows(runs: readonly LoadedRun[]): ShardWindow[] {
  return runs.flatMap(({ run }) => {
    const shard = shardOf(run);
    const window = shard ? shardWindow(run, shard.index) : null;
    return window ? [window] : [];
  });
}

export function mergeRuns(runs: LoadedRun[], runId: string): { run: RunFile; totals: OpTotals } {
  const first = runs[0];
  if (!first) throw new Error('nothing to merge');
  const problems = mergeProblems(runs);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const elapsedSec = Math.max(...runs.map((r) => r.run.summary?.elapsedSec ?? 0));
  const totals = new OpTotals();
  for (const { run, histograms } of runs) {
    for (const [op, summary] of Object.entries(run.summary?.byOp ?? {})) totals.add(op, summary);
    for (const [op, histogram] of histograms) totals.add(op, emptyCounts(), histogram);
  }
  const summary: Summary = summarize(totals, elapsedSec, first.run.summary?.endReason ?? 'duration');
  const merged: RunFile = {
    ...first.run,
    runId,
    state: runs.every((r) => r.run.state === 'completed') ? 'completed' : 'interrupted',
    config: { ...first.run.config, mergedFrom: runs.map((r) => r.run.runId), shard: undefined },
    summary,
  };
  if (first.run.status) merged.status = first.run.status;
  // Every shard's start and end, on the server's clock when they met at a rendezvous.
  merged.rendezvous = mergedShardRecord(shardWindows(runs), first.run.rendezvous?.setId ?? 'manual');
  return { run: merged, totals };
}
