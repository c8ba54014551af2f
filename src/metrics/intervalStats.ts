/**
 * One record per interval, built from every thread's snapshot of that interval and the status
 * delta sampled with it. Formatters (console line, CSV rows) read only this record.
 */
import type { MetersSnapshot, OpCounts } from './opMeters.js';
import { decodeHistogram, latencySummaryMs, type LatencySummaryMs } from './histogram.js';
import { OpTotals } from './opTotals.js';
import type { StatusDelta } from './serverStatus.js';
import type { ClusterInterval } from './clusterStatus.js';
import type { MachineNoise } from './machineNoise.js';

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
  /** What else the machine innobench runs on was doing, so a disturbed interval can be named. */
  machine?: MachineNoise;
  /** A run against a cluster (--hosts): each node's figures. */
  cluster?: ClusterInterval;
  /** A switchback run: the value of the switched setting over this interval. */
  arm?: string;
}

export interface ClientHealth {
  rssMb: number;
  heapUsedMb: number;
  /** Process CPU (all threads) over the interval, in % of one core. */
  cpuPct: number;
  /** Worst event-loop delay p99 among the load threads. */
  loopDelayP99Ms: number;
}

/** One interval's figures from every thread, per op type. */
export type MergedInterval = OpTotals;

/** Merges thread snapshots of one interval, per op type (pure: inputs are not changed). */
export function mergeSnapshots(snapshots: MetersSnapshot[]): MergedInterval {
  const merged = new OpTotals();
  for (const snapshot of snapshots) {
    for (const [op, part] of Object.entries(snapshot)) merged.add(op, part.counts, decodeHistogram(part.histogram));
  }
  return merged;
}

export function intervalStats(seq: number, elapsedSec: number, seconds: number, merged: MergedInterval, status?: StatusDelta): IntervalStats {
  const byOp: Record<string, OpInterval> = {};
  for (const [op, { counts, histogram }] of merged.byOp) byOp[op] = { counts, opsPerSec: counts.ops / seconds, latencyMs: latencySummaryMs(histogram) };
  const total = merged.all();
  const all = { counts: total.counts, opsPerSec: total.counts.ops / seconds, latencyMs: latencySummaryMs(total.histogram) };
  return status ? { seq, elapsedSec, seconds, byOp, all, status } : { seq, elapsedSec, seconds, byOp, all };
}
