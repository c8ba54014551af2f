/**
 * Gate thresholds declared as strings, in the spirit of k6's:
 *
 *   "opsPerSec >= -5%"      relative: at most 5 % below the baseline mean
 *   "latency.p99 <= +10%"   relative: at most 10 % above the baseline mean
 *   "latency.p95 <= 20"     absolute: milliseconds
 *   "errors == 0"           absolute
 *   "accounting == ok"      the run's row accounting balanced
 *   "verification == ok"    the scenario's after-run check passed (a run without one passes)
 *   "exhausted == 0"        no operation gave up after its retries
 *   "droppedPct <= 0.1"     open loop: at most 0.1 % of the operations due were dropped
 *   "status.Innodb_data_fsyncs <= +20%"   server counter, per second
 *
 * Metric names map onto run.json (src/results/types.ts); readMetric is that mapping.
 */

import type { RunFile } from '../../results/types.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==';
/** Equality against a percentage of a noisy mean never holds, so relative thresholds only bound. */
export type RelativeOperator = Exclude<Operator, '=='>;

export type Threshold = RelativeThreshold | AbsoluteThreshold | CheckThreshold;

export interface RelativeThreshold {
  kind: 'relative';
  /** The string as declared, trimmed; used for display. */
  source: string;
  metric: string;
  operator: RelativeOperator;
  /** Signed change vs the baseline mean, in percent: -5 for "-5%". */
  percent: number;
}

export interface AbsoluteThreshold {
  kind: 'absolute';
  source: string;
  metric: string;
  operator: Operator;
  value: number;
}

/** The run's yes/no checks; "== ok" is the only thing they can be held to. */
export type CheckMetric = 'accounting' | 'verification';
const CHECK_METRICS: readonly CheckMetric[] = ['accounting', 'verification'];

/** "accounting == ok", "verification == ok". */
export interface CheckThreshold {
  kind: 'check';
  source: string;
  metric: CheckMetric;
}

export type ParsedThreshold = { ok: true; threshold: Threshold } | { ok: false; error: string };
export type ParsedThresholds = { ok: true; thresholds: Threshold[] } | { ok: false; errors: string[] };

type SummaryReader = (run: RunFile) => number | undefined;

/** Numeric metrics read from `summary`; status.<Counter> is handled separately because its names are open-ended. */
const SUMMARY_METRICS: ReadonlyMap<string, SummaryReader> = new Map<string, SummaryReader>([
  ['opsPerSec', (run) => run.summary?.opsPerSec],
  ['latency.p50', (run) => run.summary?.latencyMs.p50],
  ['latency.p95', (run) => run.summary?.latencyMs.p95],
  ['latency.p99', (run) => run.summary?.latencyMs.p99],
  ['latency.max', (run) => run.summary?.latencyMs.max],
  ['latency.mean', (run) => run.summary?.latencyMs.mean],
  ['errors', (run) => run.summary?.errors],
  ['retries', (run) => run.summary?.retries],
  ['rollbacks', (run) => run.summary?.rollbacks],
  ['commits', (run) => run.summary?.commits],
  ['exhausted', (run) => run.summary?.exhausted],
  ['dropped', (run) => run.summary?.dropped],
  ['droppedPct', (run) => (run.summary === undefined ? undefined : droppedPercent(run.summary))],
]);

/**
 * Open loop: dropped operations as a percentage of the operations that fell due, those that
 * finished, gave up after their retries, or were dropped (0 when none fell due).
 */
function droppedPercent(summary: NonNullable<RunFile['summary']>): number {
  const due = summary.ops + summary.exhausted + summary.dropped;
  return due === 0 ? 0 : (100 * summary.dropped) / due;
}

const STATUS_PREFIX = 'status.';
/** Server status variable names: letters, digits and underscores. */
const STATUS_COUNTER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const KNOWN_METRICS_HINT = [...SUMMARY_METRICS.keys(), ...CHECK_METRICS, 'status.<Counter>'].join(', ');

function isNumericMetric(metric: string): boolean {
  return SUMMARY_METRICS.has(metric) || isStatusMetric(metric);
}

function isStatusMetric(metric: string): boolean {
  return metric.startsWith(STATUS_PREFIX) && STATUS_COUNTER_NAME.test(metric.slice(STATUS_PREFIX.length));
}

/**
 * The run's value of a numeric metric, or undefined when the run did not record it (no summary,
 * no status section, or a counter this server does not have). status.<Counter> is the counter's
 * per-second rate, so runs of different lengths compare.
 */
export function readMetric(run: RunFile, metric: string): number | undefined {
  const fromSummary = SUMMARY_METRICS.get(metric);
  if (fromSummary) return fromSummary(run);
  if (isStatusMetric(metric)) return run.status?.rate[metric.slice(STATUS_PREFIX.length)];
  return undefined;
}

/** Whether the run's check passed (summary.accounting.ok, summary.verification.ok), or undefined when the run has none. */
export function readCheck(run: RunFile, metric: CheckMetric): boolean | undefined {
  return metric === 'accounting' ? run.summary?.accounting?.ok : run.summary?.verification?.ok;
}

function isCheckMetric(metric: string): metric is CheckMetric {
  return CHECK_METRICS.some((check) => check === metric);
}

/** Whether `actual <operator> limit` holds. */
export function meetsLimit(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
  }
}

const METRIC_TOKEN = /^[A-Za-z][A-Za-z0-9_.]*/;
const OPERATORS: readonly Operator[] = ['<', '<=', '>', '>=', '=='];
// Reading the whole run of operator characters lets "=>" or "<>" be reported as a bad operator
// rather than as "<" followed by a bad value.
const OPERATOR_CHARACTERS = /^[<>=!]+/;
const NUMBER_WITH_OPTIONAL_PERCENT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%)?$/;

export function parseThreshold(declared: string): ParsedThreshold {
  const source = declared.trim();
  const fail = (problem: string): ParsedThreshold => ({ ok: false, error: `threshold "${declared}": ${problem}` });
  if (source === '') return fail('is empty; expected "<metric> <operator> <value>", e.g. "opsPerSec >= -5%"');

  const metric = METRIC_TOKEN.exec(source)?.[0];
  if (metric === undefined) {
    return fail('does not start with a metric name; expected "<metric> <operator> <value>", e.g. "opsPerSec >= -5%"');
  }
  if (!isCheckMetric(metric) && !isNumericMetric(metric)) {
    return fail(`unknown metric "${metric}"; known: ${KNOWN_METRICS_HINT}`);
  }

  const afterMetric = source.slice(metric.length).trimStart();
  const operatorText = OPERATOR_CHARACTERS.exec(afterMetric)?.[0];
  const operator = OPERATORS.find((known) => known === operatorText);
  if (operator === undefined) {
    const found = operatorText ?? afterMetric;
    return fail(`expected an operator (<, <=, >, >=, ==) after "${metric}", found ${found === '' ? 'nothing' : `"${found}"`}`);
  }

  const valueText = afterMetric.slice(operator.length).trim();
  if (valueText === '') return fail(`missing value after "${operator}"`);

  if (isCheckMetric(metric)) {
    if (valueText.endsWith('%')) return fail(`"${metric}" is absolute only (ok or not), it cannot take a percentage`);
    if (operator !== '==' || valueText !== 'ok') return fail(`"${metric}" supports only "${metric} == ok"`);
    return { ok: true, threshold: { kind: 'check', source, metric } };
  }

  const value = NUMBER_WITH_OPTIONAL_PERCENT.exec(valueText);
  const numberText = value?.[1];
  if (value === null || numberText === undefined) {
    return fail(`value "${valueText}" is not a number or a percentage like "-5%"`);
  }
  const number = Number(numberText);
  if (value[2] === undefined) {
    return { ok: true, threshold: { kind: 'absolute', source, metric, operator, value: number } };
  }
  if (operator === '==') {
    return fail('a relative (%) threshold needs <, <=, > or >=: a change never equals a percentage exactly');
  }
  return { ok: true, threshold: { kind: 'relative', source, metric, operator, percent: number } };
}

/** Parses every declaration and reports every error at once, so a config is fixed in one round. */
export function parseThresholds(declared: readonly string[]): ParsedThresholds {
  const thresholds: Threshold[] = [];
  const errors: string[] = [];
  for (const text of declared) {
    const parsed = parseThreshold(text);
    if (parsed.ok) thresholds.push(parsed.threshold);
    else errors.push(parsed.error);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, thresholds };
}
