/**
 * Whether a run measured the state its setting is about, from its per-interval records (pure).
 *
 * Warm-up rule (stated in every report): MSER-5 on the run's per-interval throughput — batch
 * means of 5 intervals (single intervals when the run has fewer than 25), and the truncation point
 * d that minimises the variance of the mean of what is left, Σ(Zj − Z̄d)² / (k − d)², over the
 * first half of the batches. Where the server reports checkpoint age, the same rule on checkpoint
 * age as a share of its maximum, and warm-up ends at the later of the two. A truncation in the
 * second half of the run (the series is still trending) means no steady state was reached.
 *
 * Stalls: an interval below 10 % of the run's median throughput (0 ops included) is named with the
 * cause its counters point at, and kept out of the steady-state mean, never averaged into it.
 *
 * Redo filled: a run that wrote less redo than one capacity never met the checkpoint pressure a redo
 * size is about; it says so and recommends a duration (twice the fill time, so that at least half
 * the run is past the first fill).
 */
import { mean, median } from './stats.js';
import type { StatusRow, TimelineRow } from '../../results/readRuns.js';

export interface IntervalPoint {
  elapsedSec: number;
  seconds: number;
  opsPerSec: number;
  ops: number;
  /** Innodb_checkpoint_age / Innodb_checkpoint_max_age at the end of the interval, when reported. */
  checkpointShare: number | null;
  logWaits: number;
  rowLockWaits: number;
  redoBytes: number;
  restarted: boolean;
}

const STALL_SHARE_OF_MEDIAN = 0.1;
/** Above this share of its maximum the checkpoint age forces flushing (MariaDB's async mark is 7/8). */
const CHECKPOINT_LIMIT_SHARE = 0.85;
const MSER_BATCH = 5;
/** Fewer intervals than this and a run's steady state cannot be judged (not "still trending"). */
export const MIN_SAMPLES = 4;
const TRENDING_RATIO = 0.6;
const TRENDING_DRIFT = 0.03;
/** Stalls within this many seconds of a redo-size change are put down to the resize. */
const RESIZE_WINDOW_SEC = 30;

export const WARMUP_RULE =
  'Warm-up: MSER-5 on per-interval throughput (and on checkpoint age / its maximum where the server reports it), the later truncation point; ' +
  'a truncation past the run\'s middle means no steady state. Stalls: intervals below 10 % of the run\'s median throughput, named, left out of the steady-state mean.';

export interface Stall {
  elapsedSec: number;
  opsPerSec: number;
  cause: string;
}

export interface SteadyState {
  /** Intervals judged warm-up (from the start). */
  warmupIntervals: number;
  warmupSec: number;
  /** False when the truncation fell in the second half: the series was still trending. */
  reached: boolean;
  /** False when the run had too few intervals (MIN_SAMPLES) to judge at all; `reached` is then false too. */
  judged: boolean;
  /** Mean ops/s of the intervals after warm-up, stalls left out; null when none is left. */
  steadyOpsPerSec: number | null;
  steadyIntervals: number;
  stalls: Stall[];
  redo: RedoFill | null;
  /** Highest checkpoint age as a share of its maximum over the run. */
  checkpointPeakShare: number | null;
}

export interface RedoFill {
  capacityBytes: number;
  writtenBytes: number;
  bytesPerSec: number;
  /** Seconds of this load one capacity holds. */
  fillSec: number;
  filled: boolean;
  /** Set when not filled: twice the fill time, whole tens of seconds. */
  recommendedSec: number | null;
}

/**
 * MSER truncation point (in samples) of a series: batches of `batch`, d over the first half of
 * the batches. Returns the number of leading samples to drop and whether d fell in the first half
 * proper (a minimum at the edge of the search means the series never settled).
 */
export function mserTruncation(series: readonly number[], batch = MSER_BATCH): { drop: number; settled: boolean; judged: boolean } {
  const size = series.length >= batch * MSER_BATCH ? batch : 1;
  const k = Math.floor(series.length / size);
  if (k < MIN_SAMPLES) return { drop: 0, settled: false, judged: false };
  const batches: number[] = [];
  for (let j = 0; j < k; j++) batches.push(mean(series.slice(j * size, (j + 1) * size)));
  const last = Math.floor(k / 2);
  const values: number[] = [];
  let best = 0;
  for (let d = 0; d <= last; d++) {
    const rest = batches.slice(d);
    const m = mean(rest);
    let squares = 0;
    for (const z of rest) squares += (z - m) ** 2;
    values.push(squares / (k - d) ** 2);
    // A later d must be clearly better: equal values (a flat tail) keep the earlier cut.
    if (values[d]! < values[best]! * (1 - 1e-9)) best = d;
  }
  // The minimum at the last admissible d, well below the whole series' (a straight trend halves
  // it; noise alone rarely lowers it much), and what is left still moving by more than 3 % of its
  // level from its first batch to its last: the series still trends at the run's middle.
  const rest = batches.slice(last);
  const level = Math.abs(mean(rest));
  const moving = level > 0 && Math.abs(rest[rest.length - 1]! - rest[0]!) > TRENDING_DRIFT * level;
  const trending = best === last && values[last]! < TRENDING_RATIO * values[0]! && moving;
  return { drop: best * size, settled: !trending, judged: true };
}

function stallCause(points: readonly IntervalPoint[], index: number, resizedRedo: boolean, warmupIntervals: number): string {
  const point = points[index]!;
  const previous = points[index - 1];
  if (point.restarted) return 'server restart or outage (counters reset)';
  if (resizedRedo && point.elapsedSec <= RESIZE_WINDOW_SEC) return `within ${RESIZE_WINDOW_SEC} s of a redo resize by SET GLOBAL (its flushing, or the run starting up)`;
  const shares = [point.checkpointShare, previous?.checkpointShare ?? null].filter((s): s is number => s !== null);
  if (shares.some((share) => share >= CHECKPOINT_LIMIT_SHARE)) {
    return `checkpoint age at its limit (${Math.round(100 * Math.max(...shares))} % of its maximum: flushing forced)`;
  }
  if (point.logWaits > 0) return `log buffer full (${point.logWaits} log waits)`;
  if (point.rowLockWaits > 0) return `row-lock waits (${point.rowLockWaits})`;
  if (index < warmupIntervals) return 'the run starting up (within its warm-up; no server counter explains it)';
  return 'no server counter explains it (client side, or another client)';
}

/** The stalls of a run: intervals below 10 % of its median throughput, each with a likely cause. */
export function findStalls(points: readonly IntervalPoint[], resizedRedo: boolean, warmupIntervals = 0): Stall[] {
  if (points.length === 0) return [];
  const typical = median(points.map((p) => p.opsPerSec));
  const stalls: Stall[] = [];
  points.forEach((point, index) => {
    if (point.ops === 0 || point.opsPerSec < STALL_SHARE_OF_MEDIAN * typical) {
      stalls.push({ elapsedSec: point.elapsedSec, opsPerSec: point.opsPerSec, cause: stallCause(points, index, resizedRedo, warmupIntervals) });
    }
  });
  return stalls;
}

/** Whether the run wrote one redo capacity; when not, the duration that would. */
export function redoFill(capacityBytes: number | null, points: readonly IntervalPoint[]): RedoFill | null {
  if (capacityBytes === null || !(capacityBytes > 0) || points.length === 0) return null;
  const writtenBytes = points.reduce((sum, p) => sum + p.redoBytes, 0);
  const seconds = points.reduce((sum, p) => sum + p.seconds, 0);
  const bytesPerSec = seconds > 0 ? writtenBytes / seconds : 0;
  const fillSec = bytesPerSec > 0 ? capacityBytes / bytesPerSec : Infinity;
  const filled = writtenBytes >= capacityBytes;
  return { capacityBytes, writtenBytes, bytesPerSec, fillSec, filled, recommendedSec: filled || !Number.isFinite(fillSec) ? null : Math.ceil((2 * fillSec) / 10) * 10 };
}

/** The steady-state judgement of one run (see the file comment for the rule). */
export function steadyState(points: readonly IntervalPoint[], capacityBytes: number | null, resizedRedo = false): SteadyState {
  const throughput = mserTruncation(points.map((p) => p.opsPerSec));
  const shares = points.map((p) => p.checkpointShare);
  const haveShares = shares.length > 0 && shares.every((s): s is number => s !== null);
  const checkpoint = haveShares ? mserTruncation(shares as number[]) : null;
  const drop = Math.max(throughput.drop, checkpoint?.drop ?? 0);
  const reached = throughput.settled && (checkpoint?.settled ?? true);
  const stalls = findStalls(points, resizedRedo, drop);
  const stallAt = new Set(stalls.map((s) => s.elapsedSec));
  const steady = points.slice(drop).filter((p) => !stallAt.has(p.elapsedSec));
  const peaks = shares.filter((s): s is number => s !== null);
  return {
    warmupIntervals: drop,
    warmupSec: drop > 0 ? points[drop - 1]!.elapsedSec : 0,
    reached,
    judged: throughput.judged,
    steadyOpsPerSec: steady.length > 0 ? mean(steady.map((p) => p.opsPerSec)) : null,
    steadyIntervals: steady.length,
    stalls,
    redo: redoFill(capacityBytes, points),
    checkpointPeakShare: peaks.length > 0 ? Math.max(...peaks) : null,
  };
}

/** Joins a run's timeline and status rows by interval number (status missing: counters read as 0). */
export function intervalPoints(timeline: readonly TimelineRow[], status: readonly StatusRow[]): IntervalPoint[] {
  const bySeq = new Map(status.map((row) => [row.seq, row]));
  return timeline
    .filter((row) => Number.isFinite(row.opsPerSec) && row.seconds > 0)
    .map((row) => {
      const s = bySeq.get(row.seq);
      const count = (name: string): number => (s && Number.isFinite(s.counters[name]) ? s.counters[name]! : 0);
      const age = s?.counters.Innodb_checkpoint_age;
      const max = s?.counters.Innodb_checkpoint_max_age;
      return {
        elapsedSec: row.elapsedSec,
        seconds: row.seconds,
        opsPerSec: row.opsPerSec,
        ops: row.ops,
        checkpointShare: age !== undefined && max !== undefined && Number.isFinite(age) && max > 0 ? age / max : null,
        logWaits: count('Innodb_log_waits'),
        rowLockWaits: count('Innodb_row_lock_waits'),
        redoBytes: count('Innodb_os_log_written'),
        restarted: s?.restarted ?? false,
      };
    });
}
