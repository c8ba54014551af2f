/**
 * The one EXPLAIN judge, shared by the EXPLAIN audit and index-check: which rows of a plan read a
 * whole table (access type ALL) or a whole index (access type `index`, "full index scan"), both
 * also as MariaDB's hash_ join variants. A full index scan is a scan too: it is flagged even when
 * it is index-only or the table is tiny, because the point is to catch a missing index or join
 * condition before the table is big. Not scans: the target row of an INSERT/REPLACE (printed as
 * type ALL, nothing read) and internal tables (`<derived2>`, `<subquery2>`, `<union1,2>`), whose
 * scans are reported through the tables they were built from. Pure.
 */
import { sameName } from '../../sql/sqlText.js';
import type { PlanRow } from './explainPlan.js';

export type Issue = 'full scan' | 'full index scan' | 'filesort' | 'temporary' | 'rows estimate' | 'rows examined';

/** The issues that make a mustUseIndex statement fail. */
export const INDEX_ISSUES: ReadonlySet<Issue> = new Set<Issue>(['full scan', 'full index scan']);

export const DEFAULT_ROWS_FACTOR = 10;

export interface JudgedRow extends PlanRow {
  issues: Issue[];
  /** Why a flagged scan happened, when the plan says (e.g. an index was possible but not chosen). */
  hint?: string;
}

const INTERNAL_TABLE = /^<(derived|subquery|union|materialize)/i;

/** Whether a plan row reads a whole table or a whole index (the rule in the header); null when it does not. */
export function scanOf(row: Pick<PlanRow, 'selectType' | 'table' | 'type'>): 'full scan' | 'full index scan' | null {
  const writeTarget = row.selectType !== null && /^(INSERT|REPLACE)$/i.test(row.selectType);
  const internal = row.table !== null && INTERNAL_TABLE.test(row.table);
  if (writeTarget || internal) return null;
  const type = (row.type ?? '').replace(/^hash_/i, '');
  if (/^ALL$/i.test(type)) return 'full scan';
  if (/^index$/i.test(type)) return 'full index scan';
  return null;
}

/** The issues of one plan row, by its access type and Extra. */
export function judgeRow(row: PlanRow): JudgedRow {
  const issues: Issue[] = [];
  let hint: string | undefined;
  const scan = scanOf(row);
  if (scan) {
    issues.push(scan);
    if (row.rows !== null && row.rows <= 1) hint = 'the table looks empty (rows estimate ≤ 1): the plan will differ once it is filled; audit a filled library';
    else if (row.possibleKeys) hint = `an index was possible (${row.possibleKeys}) but not chosen: small table, or stale statistics (ANALYZE TABLE; explain --refresh-stats)?`;
    else if (row.key === null) hint = 'no usable index: a missing index or join condition';
    else hint = `no usable index for the condition; reads all of index ${row.key}`;
  }
  if (/Using filesort/i.test(row.extra)) issues.push('filesort');
  if (/Using temporary/i.test(row.extra)) issues.push('temporary');
  return hint === undefined ? { ...row, issues } : { ...row, issues, hint };
}

/** Estimated rows examined: per SELECT id, the product of the rows column; the largest over SELECTs. */
export function rowsEstimate(plan: PlanRow[]): number | null {
  const products = new Map<string, number>();
  for (const row of plan) {
    if (row.rows === null || !Number.isFinite(row.rows)) continue;
    if (row.selectType !== null && /^(INSERT|REPLACE)$/i.test(row.selectType)) continue;
    const key = String(row.id);
    products.set(key, (products.get(key) ?? 1) * Math.max(row.rows, 0));
  }
  return products.size === 0 ? null : Math.max(...products.values());
}

/** Actual rows read (ANALYZE): Σ r_loops × r_rows; a const table read while optimising counts its rows. */
export function rowsExamined(plan: PlanRow[]): number | null {
  let total = 0;
  let seen = false;
  for (const row of plan) {
    if (row.rRows === undefined) continue;
    seen = true;
    if (row.rRows === null) {
      if (/^(const|system)$/i.test(row.type ?? '')) total += row.rows ?? 1;
      continue;
    }
    total += (row.rLoops ?? 1) * row.rRows;
  }
  return seen ? Math.round(total) : null;
}

export interface Judgement {
  plan: JudgedRow[];
  rowsEstimate: number | null;
  rowsExamined: number | null;
  issues: Issue[];
  verdict: string;
  pass: boolean;
}

/** Judges one statement's plan (its rows, then the estimate against the expectation). */
export function judgeStatement(
  statement: { mustUseIndex: boolean; expectedRows?: number },
  plan: PlanRow[],
  rowsFactor = DEFAULT_ROWS_FACTOR,
): Judgement {
  const judged = plan.map(judgeRow);
  const estimate = rowsEstimate(plan);
  const examined = rowsExamined(plan);
  const words: string[] = [];
  const issues: Issue[] = [];
  for (const issue of ['full scan', 'full index scan', 'filesort', 'temporary'] as const) {
    const tables = judged.filter((row) => row.issues.includes(issue)).map((row) => row.table ?? '?');
    if (tables.length === 0) continue;
    issues.push(issue);
    words.push(`${issue} (${[...new Set(tables)].join(', ')})`);
  }
  const expected = statement.expectedRows;
  if (expected !== undefined && expected >= 0) {
    const limit = rowsFactor * Math.max(expected, 1);
    if (estimate !== null && estimate > limit) {
      issues.push('rows estimate');
      words.push(`rows estimate ${fmtCount(estimate)} > ${rowsFactor}× expected ${expected}`);
    }
    if (examined !== null && examined > limit) {
      issues.push('rows examined');
      words.push(`rows examined ${fmtCount(examined)} > ${rowsFactor}× expected ${expected}`);
    }
  }
  const pass = !(statement.mustUseIndex && issues.some((issue) => INDEX_ISSUES.has(issue)));
  return { plan: judged, rowsEstimate: estimate, rowsExamined: examined, issues, verdict: words.length ? words.join('; ') : 'ok', pass };
}

export function fmtCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// index-check: does a query's plan use its planned index?

export interface ExplainCheck {
  /** `table:type(key) rows=n` per row, as the guide's verification prints it. */
  access: string;
  /** Some row reads a whole table or a whole index (scanOf). */
  fullScan: boolean;
  /** The keys EXPLAIN chose. */
  keys: string[];
  ok: boolean;
  reason: string;
}

/**
 * A query passes when EXPLAIN shows its expected index on a row that is not a scan (scanOf);
 * without an expectation, when no row is a scan and some row uses an index.
 */
export function checkExplain(rows: readonly PlanRow[], expect?: string): ExplainCheck {
  const access = rows.map((r) => `${r.table ?? '-'}:${r.type ?? '-'}${r.key ? `(${r.key})` : ''}${r.rows !== null ? ` rows=${r.rows}` : ''}`).join(', ');
  const scans = rows.map((r) => scanOf(r));
  const firstScan = scans.find((scan) => scan !== null) ?? null;
  const fullScan = firstScan !== null;
  const keysOf = (r: PlanRow): string[] => (r.key ? r.key.split(',').map((k) => k.trim()) : []);
  const keys = rows.flatMap(keysOf);
  if (expect) {
    const expected = rows.map((r) => keysOf(r).some((key) => sameName(key, expect)));
    if (expected.some((uses, k) => uses && scans[k] === null)) return { access, fullScan, keys, ok: true, reason: `uses ${expect}` };
    if (expected.some(Boolean)) return { access, fullScan, keys, ok: false, reason: `reads all of ${expect} (full index scan)` };
    const used = keys.length ? ` (uses ${keys.join(', ')})` : '';
    return { access, fullScan, keys, ok: false, reason: firstScan ? `${scanWords(firstScan)}, ${expect} not used${used}` : `${expect} not used${used}` };
  }
  if (firstScan) return { access, fullScan, keys, ok: false, reason: scanWords(firstScan) };
  if (keys.length === 0) return { access, fullScan, keys, ok: false, reason: 'no index used' };
  return { access, fullScan, keys, ok: true, reason: `uses ${keys.join(', ')}` };
}

function scanWords(scan: 'full scan' | 'full index scan'): string {
  return scan === 'full scan' ? 'full table scan' : 'full index scan';
}
