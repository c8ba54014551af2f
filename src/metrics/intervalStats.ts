/**
 * One record per interval, built from every thread's snapshot of that interval and the status
 * delta sampled with it. Formatters (console line, CSV rows) read only this record.
 */
import { addCounts, emptyCounts, isPart, type MetersSnapshot, type OpCounts } from './opMeters.js';
import { decodeHistogram, latencySummaryMs, newHistogram, type Histogram, type LatencySummaryMs } from './histogram.js';
import type { StatusDelta } from './serverStatus.js';
import type { ClusterInterval } from './clusterStatus.js';

export interface OpInterval {
  counts: OpCounts;
  opsPerSec: number;
  latencyMs: LatencySummaryMs;
}

export interface IntervalStats {
  seq: number;
  /** Seconds since the measured window began, at the end of this interval. */
  elapsedSec: number;
  seconds: number;
  byOp: Record<string, OpInterval>;
  all: OpInterval;
  status?: StatusDelta;
  /** The harness's own health, so a long run shows whether the client itself degraded. */
  client?: ClientHealth;
  /** A run against a cluster (--hosts): each node's figures. */
  cluster?: ClusterInterval;
}

export interface ClientHealth {
  rssMb: number;
  heapUsedMb: number;
  /** Process CPU (all threads) over the interval, in % of one core. */
  cpuPct: number;
  /** Worst event-loop delay p99 among the load threads. */
  loopDelayP99Ms: number;
}

export interface MergedInterval {
  byOp: Map<string, { counts: OpCounts; histogram: Histogram }>;
}

/** Merges thread snapshots of one interval, per op type (pure: inputs are not changed). */
export function mergeSnapshots(snapshots: MetersSnapshot[]): MergedInterval {
  const byOp = new Map<string, { counts: OpCounts; histogram: Histogram }>();
  for (const snapshot of snapshots) {
    for (const [op, part] of Object.entries(snapshot)) {
      let merged = byOp.get(op);
      if (!merged) {
        merged = { counts: emptyCounts(), histogram: newHistogram() };
        byOp.set(op, merged);
      }
      addCounts(merged.counts, part.counts);
      merged.histogram.add(decodeHistogram(part.histogram));
    }
  }
  return { byOp };
}

export function intervalStats(seq: number, elapsedSec: number, seconds: number, merged: MergedInterval, status?: StatusDelta): IntervalStats {
  const byOp: Record<string, OpInterval> = {};
  const allCounts = emptyCounts();
  const allHistogram = newHistogram();
  for (const [op, { counts, histogram }] of merged.byOp) {
    byOp[op] = { counts, opsPerSec: counts.ops / seconds, latencyMs: latencySummaryMs(histogram) };
    if (isPart(op)) continue;
    addCounts(allCounts, counts);
    allHistogram.add(histogram);
  }
  const all = { counts: allCounts, opsPerSec: allCounts.ops / seconds, latencyMs: latencySummaryMs(allHistogram) };
  return status ? { seq, elapsedSec, seconds, byOp, all, status } : { seq, elapsedSec, seconds, byOp, all };
}
