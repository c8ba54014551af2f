/**
 * The nightly gate: holds one run against thresholds, relative ones against the mean of earlier
 * baseline runs, and reports a verdict per threshold plus an overall one, as a text table, JUnit
 * XML (for CI test reports) or Markdown (for pull-request comments). The command maps the overall
 * verdict to an exit code.
 */

import type { RunFile } from '../../results/types.js';
import { formatSignedPercent, mean, predictionInterval, sampleStdDev } from './stats.js';
import type { AbsoluteThreshold, CheckThreshold, RelativeThreshold, Threshold } from './thresholds.js';
import { meetsLimit, readCheck, readMetric } from './thresholds.js';

/** Level of the baseline prediction interval used by the noise rule. */
const NOISE_LEVEL = 0.95;
/** Fewer baseline runs than this give no usable spread, so the threshold alone decides. */
const MIN_RUNS_FOR_NOISE_CHECK = 3;

/**
 * pass: within the threshold. fail: beyond it (and, when checkable, beyond the baseline's noise).
 * noise: beyond the threshold but inside the baseline's own prediction interval.
 * no-baseline: a relative threshold with no baseline value to compare against.
 */
export type ThresholdVerdict = 'pass' | 'fail' | 'noise' | 'no-baseline';
/**
 * pass: every threshold passed (changes within noise too). fail: at least one threshold failed.
 * nothing-to-judge: the current run did not complete, failed or measured nothing, or there is no
 * usable baseline run and none was allowed. invalid: no thresholds to judge by.
 */
export type GateVerdict = 'pass' | 'fail' | 'nothing-to-judge' | 'invalid';

export interface GateOptions {
  /** A gate with no usable baseline run passes (its relative thresholds unchecked) instead of having nothing to judge. */
  allowNoBaseline?: boolean;
}

export interface BaselineSpread {
  /** Baseline runs that had a value for this metric. */
  n: number;
  /** Sample standard deviation; null with fewer than 2 values. */
  stdDev: number | null;
  /** NOISE_LEVEL prediction interval for one more run; null below MIN_RUNS_FOR_NOISE_CHECK. */
  predictionInterval: { lo: number; hi: number; level: number } | null;
}

export interface ThresholdResult {
  threshold: Threshold;
  /** Mean over the baseline runs; null when none has the metric (and for accounting). */
  baselineValue: number | null;
  baselineSpread: BaselineSpread;
  /** Null when the current run did not record the metric. */
  currentValue: number | boolean | null;
  /** Change of the current value vs baselineValue in percent; null without both. */
  changePct: number | null;
  verdict: ThresholdVerdict;
  /** A sentence saying why. */
  reason: string;
}

export interface GateResult {
  verdict: GateVerdict;
  reason: string;
  currentRunId: string;
  baselineRunIds: string[];
  /** Baseline runs left out of every mean, and why. */
  ignoredBaselineRuns: { runId: string; reason: string }[];
  results: ThresholdResult[];
}

export function evaluateGate(
  baseline: readonly RunFile[],
  current: RunFile,
  thresholds: readonly Threshold[],
  options: GateOptions = {},
): GateResult {
  const { usable, ignored } = selectBaselineRuns(baseline, current);
  const results = thresholds.map((threshold) => evaluateThreshold(threshold, usable, current));
  const details = {
    currentRunId: current.runId,
    baselineRunIds: usable.map((run) => run.runId),
    ignoredBaselineRuns: ignored,
    results,
  };

  if (thresholds.length === 0) {
    return { verdict: 'invalid', reason: 'No thresholds were given, so there is nothing to gate on.', ...details };
  }
  const runProblem = currentRunProblem(current);
  if (runProblem !== null) return { verdict: 'nothing-to-judge', reason: runProblem, ...details };

  // A threshold the run breaks fails it whatever the baseline.
  const failed = results.filter((result) => result.verdict === 'fail');
  if (failed.length > 0) {
    const names = failed.map((result) => result.threshold.source).join('; ');
    return { verdict: 'fail', reason: `${failed.length} of ${results.length} thresholds failed: ${names}.`, ...details };
  }
  if (usable.length === 0) {
    const given = baseline.length === 0 ? 'The baseline holds no run' : `None of the ${baseline.length} baseline run(s) is usable`;
    if (!options.allowNoBaseline) {
      return { verdict: 'nothing-to-judge', reason: `${given}, so there is nothing to compare the current run with; an empty baseline is not a pass.`, ...details };
    }
    return { verdict: 'pass', reason: `${passReason(results)} ${given}: passed without a baseline, as allowed.`, ...details };
  }
  return { verdict: 'pass', reason: passReason(results), ...details };
}

/**
 * Only completed runs describe the configuration's normal behaviour; and the current run must not
 * sit in its own baseline, where it would pull the mean towards itself and hide a regression.
 */
function selectBaselineRuns(
  baseline: readonly RunFile[],
  current: RunFile,
): { usable: RunFile[]; ignored: GateResult['ignoredBaselineRuns'] } {
  const usable: RunFile[] = [];
  const ignored: GateResult['ignoredBaselineRuns'] = [];
  for (const run of baseline) {
    if (run.runId === current.runId) ignored.push({ runId: run.runId, reason: 'it is the current run' });
    else if (run.state !== 'completed') ignored.push({ runId: run.runId, reason: `its state is ${run.state}` });
    else usable.push(run);
  }
  return { usable, ignored };
}

/** A run that did not complete, or measured nothing, has no figures worth a verdict. */
function currentRunProblem(current: RunFile): string | null {
  if (current.state !== 'completed') {
    const detail = current.error === undefined ? '' : `: ${current.error}`;
    return (
      `The current run ${current.runId} did not complete (state ${current.state}${detail}), ` +
      'so its figures cannot be judged.'
    );
  }
  if (current.summary === undefined) return `The current run ${current.runId} has no summary.`;
  if (current.summary.ops === 0) return `The current run ${current.runId} measured nothing (0 operations).`;
  return null;
}

function passReason(results: readonly ThresholdResult[]): string {
  const count = (verdict: ThresholdVerdict): number => results.filter((result) => result.verdict === verdict).length;
  const notes = [
    count('noise') > 0 ? `${count('noise')} beyond the threshold but within baseline noise` : '',
    count('no-baseline') > 0 ? `${count('no-baseline')} without a baseline to compare against` : '',
  ].filter((note) => note !== '');
  return `All ${results.length} thresholds passed${notes.length > 0 ? ` (${notes.join(', ')})` : ''}.`;
}

function evaluateThreshold(threshold: Threshold, baseline: readonly RunFile[], current: RunFile): ThresholdResult {
  switch (threshold.kind) {
    case 'check':
      return evaluateCheck(threshold, current);
    case 'absolute':
      return evaluateAbsolute(threshold, baseline, current);
    case 'relative':
      return evaluateRelative(threshold, baseline, current);
  }
}

interface BaselineFigures {
  mean: number | null;
  spread: BaselineSpread;
}

function baselineFigures(baseline: readonly RunFile[], metric: string): BaselineFigures {
  const values = baseline.map((run) => readMetric(run, metric)).filter((value): value is number => value !== undefined);
  const n = values.length;
  const interval = n >= MIN_RUNS_FOR_NOISE_CHECK ? predictionInterval(values, NOISE_LEVEL) : null;
  return {
    mean: n > 0 ? mean(values) : null,
    spread: {
      n,
      stdDev: n >= 2 ? sampleStdDev(values) : null,
      predictionInterval: interval === null ? null : { lo: interval.lo, hi: interval.hi, level: NOISE_LEVEL },
    },
  };
}

/** Relative change in percent; from a zero baseline any change is infinite and no change is 0 %. */
function changePercent(current: number, baselineMean: number): number {
  if (baselineMean === 0) return current === 0 ? 0 : Math.sign(current) * Infinity;
  return (100 * (current - baselineMean)) / Math.abs(baselineMean);
}

function evaluateCheck(threshold: CheckThreshold, current: RunFile): ThresholdResult {
  const ok = readCheck(current, threshold.metric);
  const base = {
    threshold,
    baselineValue: null,
    baselineSpread: { n: 0, stdDev: null, predictionInterval: null },
    changePct: null,
  };
  if (threshold.metric === 'verification') {
    const failed = (current.summary?.verification?.checks ?? []).filter((check) => !check.ok);
    const detail = failed.length === 0 ? '' : ` (${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')})`;
    // Most scenarios define no after-run check; a run without one has nothing to fail.
    if (ok === undefined) return { ...base, currentValue: null, verdict: 'pass', reason: 'The run has no after-run verification (its scenario defines none).' };
    return ok
      ? { ...base, currentValue: true, verdict: 'pass', reason: 'The after-run verification passed.' }
      : { ...base, currentValue: false, verdict: 'fail', reason: `The after-run verification failed${detail}.` };
  }
  const note = current.summary?.accounting?.note;
  const detail = note === undefined || note === '' ? '' : ` (${note})`;
  if (ok === undefined) {
    const reason = 'The current run recorded no row accounting, so it cannot be shown to balance.';
    return { ...base, currentValue: null, verdict: 'fail', reason };
  }
  return ok
    ? { ...base, currentValue: true, verdict: 'pass', reason: `Row accounting balanced${detail}.` }
    : { ...base, currentValue: false, verdict: 'fail', reason: `Row accounting did not balance${detail}.` };
}

function evaluateAbsolute(threshold: AbsoluteThreshold, baseline: readonly RunFile[], current: RunFile): ThresholdResult {
  // The baseline does not decide an absolute threshold; it is reported for context.
  const figures = baselineFigures(baseline, threshold.metric);
  const currentValue = readMetric(current, threshold.metric);
  const base = { threshold, baselineValue: figures.mean, baselineSpread: figures.spread };
  if (currentValue === undefined) return missingCurrentValue(base);
  const changePct = figures.mean === null ? null : changePercent(currentValue, figures.mean);
  const result = { ...base, currentValue, changePct };
  const value = `${threshold.metric} is ${formatNumber(currentValue)}`;
  const limit = `${threshold.operator} ${formatNumber(threshold.value)}`;
  return meetsLimit(currentValue, threshold.operator, threshold.value)
    ? { ...result, verdict: 'pass', reason: `${value}, within ${limit}.` }
    : { ...result, verdict: 'fail', reason: `${value}, which breaks ${limit}.` };
}

function evaluateRelative(threshold: RelativeThreshold, baseline: readonly RunFile[], current: RunFile): ThresholdResult {
  const figures = baselineFigures(baseline, threshold.metric);
  const currentValue = readMetric(current, threshold.metric);
  const base = { threshold, baselineValue: figures.mean, baselineSpread: figures.spread };
  if (currentValue === undefined) return missingCurrentValue(base);
  if (figures.mean === null) {
    return {
      ...base,
      currentValue,
      changePct: null,
      verdict: 'no-baseline',
      reason: `No baseline run has a value for ${threshold.metric}, so the relative threshold could not be checked.`,
    };
  }

  const changePct = changePercent(currentValue, figures.mean);
  const n = figures.spread.n;
  const change =
    `${threshold.metric} changed ${formatSignedPercent(changePct, 1)} ` +
    `(${formatNumber(currentValue)} vs a baseline mean of ${formatNumber(figures.mean)}; ` +
    `limit ${threshold.operator} ${formatSignedPercent(threshold.percent, 1)})`;
  const tooFewRuns =
    `Only ${n} baseline run${n === 1 ? '' : 's'}: the noise check needs ${MIN_RUNS_FOR_NOISE_CHECK}, ` +
    'so the threshold alone decides.';
  const result = { ...base, currentValue, changePct };

  if (meetsLimit(changePct, threshold.operator, threshold.percent)) {
    const note = figures.spread.predictionInterval === null ? ` ${tooFewRuns}` : '';
    return { ...result, verdict: 'pass', reason: `${change}, within the threshold.${note}` };
  }
  const interval = figures.spread.predictionInterval;
  if (interval === null) return { ...result, verdict: 'fail', reason: `${change}, beyond the threshold. ${tooFewRuns}` };

  const where =
    `the baseline's ${Math.round(interval.level * 100)} % prediction interval ` +
    `[${formatNumber(interval.lo)}, ${formatNumber(interval.hi)}] from ${n} runs`;
  // A single run can exceed a tight threshold just by scatter; only call it a regression when the
  // baseline runs themselves would rarely produce a value this far out.
  return currentValue >= interval.lo && currentValue <= interval.hi
    ? { ...result, verdict: 'noise', reason: `${change}, beyond the threshold but inside ${where}: run-to-run noise.` }
    : { ...result, verdict: 'fail', reason: `${change}, beyond the threshold and outside ${where}.` };
}

/** A gate cannot show a limit holds for a figure the run never recorded, so that fails. */
function missingCurrentValue(
  base: Pick<ThresholdResult, 'threshold' | 'baselineValue' | 'baselineSpread'>,
): ThresholdResult {
  return {
    ...base,
    currentValue: null,
    changePct: null,
    verdict: 'fail',
    reason: `The current run has no value for ${base.threshold.metric}.`,
  };
}

/** Figures at a precision a reader can take in: whole numbers from 100 up, a few decimals below. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  // Tiny per-second rates would print as 0.00; two significant digits keep them distinguishable.
  return magnitude >= 0.01 ? value.toFixed(2) : value.toPrecision(2);
}
