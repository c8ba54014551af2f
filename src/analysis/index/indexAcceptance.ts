/**
 * The operations guide's acceptance criteria for an index plan, judged from two measurements
 * (before and after the indexes were added): query time −≥ 50 %, write throughput −< 10 %,
 * 0 missing indexes, every query's EXPLAIN on its index with no full scan. Pure.
 */
import type { LatencySummaryMs } from '../../metrics/histogram.js';
import type { ExplainCheck } from './explainJudge.js';
import type { PlannedIndex, PlannedQuery } from './indexPlan.js';

export type IndexState = 'present' | 'missing' | 'different';

export interface IndexStatus {
  index: PlannedIndex;
  schema: string;
  state: IndexState;
  /** The columns the server has for an index of that name, when it has one. */
  actual?: string[];
}

export interface QueryMeasure {
  query: PlannedQuery;
  explain: ExplainCheck;
  medianMs: number;
  p95Ms: number;
  runs: number;
}

export interface WriteMeasure {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** Rows written in each whole second of the run: their spread shows how noisy the server is. */
  perSecond: number[];
  /** Statement latency (successful attempts). */
  latencyMs: LatencySummaryMs;
  /** Deadlocks and lock-wait timeouts retried under the engine's retry policy. */
  retries: number;
  /** Failed statements (retries exhausted, lost connections, other errors), by error key. */
  errors: number;
  errorsByCode: Record<string, number>;
  firstError?: string;
  connections: number;
  /** What was written to: the scratch copy's name, or the rolled-back --write-sql. */
  target: string;
}

export interface Measurement {
  indexes: IndexStatus[];
  missing: number;
  queries: QueryMeasure[];
  /** null when the write workload was not run (--write-seconds 0). */
  writes: WriteMeasure | null;
}

export const ACCEPT_QUERY_REDUCTION_PCT = 50;
export const ACCEPT_WRITE_LOSS_PCT = 10;

export type CriterionResult = 'PASS' | 'FAIL' | 'n/a';

export interface Criterion {
  name: string;
  before: string;
  after: string;
  change: string;
  rule: string;
  result: CriterionResult;
  note?: string;
}

export interface Acceptance {
  criteria: Criterion[];
  accepted: boolean;
}

/** Sum of the queries' median times: the "pipeline time" the guide compares. */
export function queryTimeMs(m: Measurement): number {
  return m.queries.reduce((sum, q) => sum + q.medianMs, 0);
}

/**
 * The guide's acceptance criteria. With `after` null (no --apply), the current state is judged:
 * missing indexes and EXPLAIN only; time and write criteria need a before and an after.
 */
export function acceptance(before: Measurement, after: Measurement | null): Acceptance {
  const criteria: Criterion[] = [];
  const final = after ?? before;
  const tBefore = queryTimeMs(before);
  if (before.queries.length === 0) {
    criteria.push({ name: 'query time (sum of medians)', before: '-', after: '-', change: '-', rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`, result: 'n/a', note: 'no queries' });
  } else if (!after) {
    criteria.push({ name: 'query time (sum of medians)', before: ms(tBefore), after: '-', change: '-', rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`, result: 'n/a', note: 'needs --apply' });
  } else {
    const tAfter = queryTimeMs(after);
    const reduction = tBefore > 0 ? (100 * (tBefore - tAfter)) / tBefore : 0;
    criteria.push({
      name: 'query time (sum of medians)',
      before: ms(tBefore),
      after: ms(tAfter),
      change: signedPct(-reduction),
      rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`,
      result: reduction >= ACCEPT_QUERY_REDUCTION_PCT ? 'PASS' : 'FAIL',
    });
  }
  if (!before.writes || (after && !after.writes)) {
    criteria.push({ name: 'write throughput', before: '-', after: '-', change: '-', rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`, result: 'n/a', note: 'not measured (--write-seconds 0)' });
  } else if (!after) {
    criteria.push({ name: 'write throughput', before: rate(before.writes.rowsPerSec), after: '-', change: '-', rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`, result: 'n/a', note: 'needs --apply' });
  } else {
    const b = before.writes.rowsPerSec;
    const a = after.writes!.rowsPerSec;
    const loss = b > 0 ? (100 * (b - a)) / b : 100;
    const failedWrites = before.writes.rows === 0 || after.writes!.rows === 0;
    criteria.push({
      name: 'write throughput',
      before: rate(b),
      after: rate(a),
      change: signedPct(-loss),
      rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`,
      result: !failedWrites && loss < ACCEPT_WRITE_LOSS_PCT ? 'PASS' : 'FAIL',
      ...(failedWrites ? { note: 'no row was written' } : {}),
    });
  }
  criteria.push({
    name: 'missing indexes',
    before: String(before.missing),
    after: after ? String(after.missing) : '-',
    change: '-',
    rule: '0',
    result: final.missing === 0 ? 'PASS' : 'FAIL',
  });
  const okCount = (m: Measurement): number => m.queries.filter((q) => q.explain.ok).length;
  criteria.push({
    name: 'EXPLAIN uses the index',
    before: `${okCount(before)}/${before.queries.length}`,
    after: after ? `${okCount(after)}/${after.queries.length}` : '-',
    change: '-',
    rule: 'all, no full scan',
    result: final.queries.length === 0 ? 'n/a' : okCount(final) === final.queries.length ? 'PASS' : 'FAIL',
  });
  const evaluated = criteria.filter((c) => c.result !== 'n/a');
  return { criteria, accepted: evaluated.length > 0 && evaluated.every((c) => c.result === 'PASS') };
}

export function formatAcceptance(a: Acceptance): string[] {
  const header = ['criterion', 'before', 'after', 'change', 'accept when', 'result'];
  const rows = a.criteria.map((c) => [c.name, c.before, c.after, c.change, c.rule, c.note ? `${c.result} (${c.note})` : c.result]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => '  ' + cells.map((cell, k) => (k === 0 || k >= 4 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line), `  overall: ${a.accepted ? 'ACCEPT' : 'REJECT'}`];
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function rate(value: number): string {
  return `${value.toFixed(0)} rows/s`;
}

function signedPct(value: number): string {
  const rounded = Number(value.toFixed(1));
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)} %`;
}
