/**
 * Why a configuration is faster or slower, per 1 000 operations (pure): the server's CPU seconds
 * (when the matrix could read the local server's process from /proc), fsyncs, redo bytes, pages
 * flushed, log waits and row-lock waits from the run's counter deltas, and the checkpoint age's
 * peak as a share of its maximum. Per configuration each figure is a mean over its runs with a
 * Student-t interval; the largest significant change against the reference names the mechanism.
 */
import { mean, welchDiff, type MeanInterval } from './stats.js';
import { positiveMeanCI } from './positiveIntervals.js';

export const MECHANISMS = [
  { key: 'serverCpuSec', label: 'server CPU s', counter: null },
  { key: 'fsyncs', label: 'fsyncs', counter: 'Innodb_data_fsyncs' },
  { key: 'redoBytes', label: 'redo bytes', counter: 'Innodb_os_log_written' },
  { key: 'pagesFlushed', label: 'pages flushed', counter: 'Innodb_buffer_pool_pages_flushed' },
  { key: 'logWaits', label: 'log waits', counter: 'Innodb_log_waits' },
  { key: 'rowLockWaits', label: 'row-lock waits', counter: 'Innodb_row_lock_waits' },
  { key: 'checkpointPeakPct', label: 'checkpoint-age peak % of max', counter: null },
] as const;

export type MechanismKey = (typeof MECHANISMS)[number]['key'];
/** Per run: each figure per 1 000 operations (checkpoint peak: % of its maximum); null when unknown. */
export type RunMechanism = Record<MechanismKey, number | null>;
export type ConfigurationMechanism = Record<MechanismKey, MeanInterval | null>;

export interface MechanismChange {
  key: MechanismKey;
  label: string;
  changePct: number;
  reference: number;
  other: number;
}

/** One run's figures per 1 000 operations. */
export function runMechanism(delta: Record<string, number>, ops: number, serverCpuSec: number | null, checkpointPeakShare: number | null): RunMechanism {
  const per1000 = (value: number | null | undefined): number | null => (value === null || value === undefined || !(ops > 0) ? null : (1000 * value) / ops);
  const figures = {} as RunMechanism;
  for (const mechanism of MECHANISMS) {
    if (mechanism.key === 'serverCpuSec') figures.serverCpuSec = per1000(serverCpuSec);
    else if (mechanism.key === 'checkpointPeakPct') figures.checkpointPeakPct = checkpointPeakShare === null ? null : 100 * checkpointPeakShare;
    else figures[mechanism.key] = per1000(delta[mechanism.counter]);
  }
  return figures;
}

/** Mean and interval of each figure over a configuration's runs (runs lacking a figure left out). */
export function configurationMechanism(runs: readonly RunMechanism[], level = 0.95): ConfigurationMechanism {
  const result = {} as ConfigurationMechanism;
  for (const { key } of MECHANISMS) {
    const values = runs.map((run) => run[key]).filter((v): v is number => v !== null && Number.isFinite(v));
    result[key] = values.length === 0 ? null : positiveMeanCI(values, level);
  }
  return result;
}

/**
 * The figures that differ significantly between two configurations (Welch over their runs, the
 * interval excluding 0), largest relative change first; with fewer than 2 runs a side, changes of
 * more than 20 % count, marked by the caller as indicative.
 */
export function mechanismChanges(reference: readonly RunMechanism[], other: readonly RunMechanism[], level = 0.95): MechanismChange[] {
  const changes: MechanismChange[] = [];
  for (const { key, label } of MECHANISMS) {
    const a = reference.map((run) => run[key]).filter((v): v is number => v !== null && Number.isFinite(v));
    const b = other.map((run) => run[key]).filter((v): v is number => v !== null && Number.isFinite(v));
    if (a.length === 0 || b.length === 0) continue;
    const diff = welchDiff(a, b, level);
    const meanA = mean(a);
    const meanB = mean(b);
    const changePct = meanA === 0 ? (meanB === 0 ? 0 : Infinity) : (100 * (meanB - meanA)) / meanA;
    const counts = diff.comparable ? diff.significant : Math.abs(changePct) > 20 && Math.abs(meanB - meanA) > 0;
    if (counts) changes.push({ key, label, changePct, reference: meanA, other: meanB });
  }
  return changes.sort((x, y) => Math.abs(y.changePct) - Math.abs(x.changePct));
}
