/**
 * Merging runs taken at the same time on several client machines (`--shard i/N`) into one result:
 * histograms are added exactly (from each run's interval histograms), harness counts are summed,
 * and the server's counters are taken from ONE run's sampler: every shard sampled the same
 * server, so summing them would count each insert N times.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { addCounts, emptyCounts } from '../metrics/opMeters.js';
import { decodeHistogram, latencySummaryMs, newHistogram, type Histogram } from '../metrics/histogram.js';
import type { OpCounts, OpSummary, RunFile, Summary } from './types.js';
import { INTERVAL_HISTOGRAMS_FILE, RUN_FILE } from './runFolder.js';

export interface LoadedRun {
  dir: string;
  run: RunFile;
  /** Per op type, the sum of the run's interval histograms. */
  histograms: Map<string, Histogram>;
}

export function loadRunWithHistograms(dir: string): LoadedRun {
  const run = JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')) as RunFile;
  const histograms = new Map<string, Histogram>();
  const path = join(dir, INTERVAL_HISTOGRAMS_FILE);
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const { op, histogram } = JSON.parse(line) as { op: string; histogram: string };
      let total = histograms.get(op);
      if (!total) histograms.set(op, (total = newHistogram()));
      total.add(decodeHistogram(histogram));
    }
  }
  return { dir, run, histograms };
}

export function mergeRuns(runs: LoadedRun[], runId: string): { run: RunFile; histograms: Map<string, Histogram> } {
  const first = runs[0];
  if (!first) throw new Error('nothing to merge');
  const scenarios = new Set(runs.map((r) => r.run.scenario));
  if (scenarios.size > 1) throw new Error(`runs of different scenarios cannot be merged: ${[...scenarios].join(', ')}`);
  const elapsedSec = Math.max(...runs.map((r) => r.run.summary?.elapsedSec ?? 0));
  const counts = new Map<string, OpCounts>();
  const histograms = new Map<string, Histogram>();
  for (const { run, histograms: runHistograms } of runs) {
    for (const [op, summary] of Object.entries(run.summary?.byOp ?? {})) {
      let total = counts.get(op);
      if (!total) counts.set(op, (total = emptyCounts()));
      addCounts(total, summary);
    }
    for (const [op, histogram] of runHistograms) {
      let total = histograms.get(op);
      if (!total) histograms.set(op, (total = newHistogram()));
      total.add(histogram);
    }
  }
  const opSummary = (c: OpCounts, h: Histogram): OpSummary => ({ ...countsOnly(c), opsPerSec: elapsedSec ? Math.round((c.ops / elapsedSec) * 100) / 100 : 0, latencyMs: latencySummaryMs(h) });
  const byOp: Record<string, OpSummary> = {};
  const all = emptyCounts();
  const allHistogram = newHistogram();
  for (const [op, c] of counts) {
    const h = histograms.get(op) ?? newHistogram();
    byOp[op] = opSummary(c, h);
    if (op.startsWith('part:')) continue;
    addCounts(all, c);
    allHistogram.add(h);
  }
  const summary: Summary = { ...opSummary(all, allHistogram), elapsedSec, endReason: first.run.summary?.endReason ?? 'duration', byOp };
  const merged: RunFile = {
    ...first.run,
    runId,
    state: runs.every((r) => r.run.state === 'completed') ? 'completed' : 'interrupted',
    config: { ...first.run.config, mergedFrom: runs.map((r) => r.run.runId), shard: undefined },
    summary,
  };
  if (first.run.status) merged.status = first.run.status;
  return { run: merged, histograms };
}

/** An OpSummary's plain counts (drops the rate and latency fields a summary carries). */
function countsOnly(c: OpCounts): OpCounts {
  const { ops, attempts, retries, deadlocks, lockWaitTimeouts, exhausted, commits, rollbacks, errors, errorsByCode, reconnects, rows, bytes, dropped } = c;
  return { ops, attempts, retries, deadlocks, lockWaitTimeouts, exhausted, commits, rollbacks, errors, errorsByCode: { ...errorsByCode }, reconnects, rows, bytes, dropped };
}
