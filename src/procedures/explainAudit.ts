/**
 * The EXPLAIN audit (seed 002, "explain语句"): EXPLAIN every statement a scenario issues, with real
 * parameters, and judge each plan the way the seed does: the `rows` column first (a join that
 * became a full index scan showed 921 849 rows where one was expected), then the access type and
 * the Extra column.
 *
 * Verdicts, per plan row (one row per table the statement reads), from analysis/index/explainJudge, the
 * judge index-check uses too:
 * - `full scan`        access type ALL (or MariaDB's hash_ALL): every row of the table is read.
 * - `full index scan`  access type `index` (or hash_index): every entry of an index is read. This
 *                      is flagged even when it is an index-only scan ("Using index") or the table is
 *                      tiny: the audit exists to catch a missing index or join condition *before*
 *                      the table is big, and a statement that must use an index must not read a
 *                      whole one. (When possible_keys is not empty the optimizer had an index and
 *                      chose to scan, usually because the table is small or its statistics are stale;
 *                      the row's `hint` says so, but the verdict stands.)
 * - `filesort` / `temporary`   "Using filesort" / "Using temporary" in Extra.
 * Per statement, on top of its rows' verdicts:
 * - `rows estimate`    the estimated rows examined exceed `rowsFactor` × the statement's
 *                      expectedRows (default factor 10). The estimate is, per SELECT of the plan
 *                      (same id), the product of the rows column down the nested loop (what a join
 *                      reads at most); the largest over the plan's SELECTs.
 * - `rows examined`    the same test on the actual rows ANALYZE read (Σ r_loops × r_rows), when
 *                      ANALYZE ran (MariaDB).
 * Not flagged: the target row of an INSERT/REPLACE (MySQL/MariaDB print it as type ALL, rows NULL,
 * but nothing is read), and internal tables (`<derived2>`, `<subquery2>`, `<union1,2>`): a scan of
 * a materialised result is reported through the tables it was built from.
 *
 * The audit fails when a statement marked mustUseIndex gets `full scan` or `full index scan` on
 * any row, or when a statement could not be EXPLAINed at all (it could not be checked). Filesort,
 * temporary tables and rows above the expectation are warnings: printed, not failing.
 *
 * MariaDB: tabular `EXPLAIN <stmt>`, then (unless disabled) `ANALYZE FORMAT=JSON <stmt>` for the
 * actual rows. ANALYZE executes the statement, so it is only run where that is copy-safe: a SELECT
 * (without INTO) runs as is; an INSERT/REPLACE/UPDATE/DELETE runs inside START TRANSACTION …
 * ROLLBACK, and only when every table it names is InnoDB (and, if those tables have triggers, every
 * table of the database is), so the rollback undoes everything. Auto-increment counters still
 * advance, and the statement's row locks are held until the rollback.
 * Plans depend on index statistics: right after a bulk load they can be stale and the optimizer
 * may scan where it would not on fresh statistics; `refreshStatistics` runs ANALYZE TABLE on the
 * statements' tables first (the seed's advice when the rows column looks wrong).
 * MySQL: `EXPLAIN FORMAT=JSON <stmt>` (format version 1), read for access_type, key and
 * rows_examined_per_scan; no ANALYZE (MySQL's EXPLAIN ANALYZE prints a tree, not these fields).
 */
import type { AuditStatement } from '../engine/scenario.js';
import type { PromiseConnection } from '../db/connect.js';
import { serverSnapshot } from '../db/serverSnapshot.js';
import { DEFAULT_ROWS_FACTOR, INDEX_ISSUES, fmtCount, judgeStatement, type Issue, type JudgedRow } from '../analysis/index/explainJudge.js';
import { mergeAnalyze, planFromExplainRows, planFromJson, type PlanRow } from '../analysis/index/explainPlan.js';
import { identifiersOf, statementKind, stripComments, type StatementKind } from '../sql/sqlText.js';
import { rollbackUnsafe } from './rollbackSafety.js';

export type Flavour = 'MariaDB' | 'MySQL';

export interface StatementResult {
  name: string;
  sql: string;
  /** The parameters, summarised for printing (binary values as their length). */
  params: string[];
  kind: StatementKind;
  mustUseIndex: boolean;
  expectedRows?: number;
  plan: JudgedRow[];
  /** Estimated rows examined (see the header); null when the plan has no estimate. */
  rowsEstimate: number | null;
  /** Actual rows read (ANALYZE), null when ANALYZE did not run. */
  rowsExamined: number | null;
  /** What happened with ANALYZE: ran, ran in a rolled-back transaction, skipped (why), failed (why). */
  analyze: string;
  issues: Issue[];
  /** "ok", or the issues in words, e.g. "full index scan (person_123); rows estimate 9790 > 10× expected 1". */
  verdict: string;
  /** False when the statement is mustUseIndex and reads a table or index in full, or could not be EXPLAINed. */
  pass: boolean;
  error?: string;
}

export interface AuditResult {
  flavour: Flavour;
  version: string;
  rowsFactor: number;
  /** How the plans were read, e.g. "EXPLAIN + ANALYZE FORMAT=JSON". */
  method: string;
  statements: StatementResult[];
  pass: boolean;
  /** One line per failing statement. */
  failures: string[];
  /** Tables whose statistics ANALYZE TABLE refreshed before the audit (refreshStatistics). */
  refreshed: string[];
}

export interface AuditOptions {
  rowsFactor?: number;
  /** MariaDB: also run ANALYZE FORMAT=JSON where copy-safe (default true). */
  analyze?: boolean;
  /** Runs ANALYZE TABLE on the tables the statements name first (fresh index statistics; changes nothing else). */
  refreshStatistics?: boolean;
  /** Skips the server query that finds out. */
  flavour?: Flavour;
  version?: string;
}

function summariseParam(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return `(${value.map(summariseParam).join(', ')})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Running the audit

/**
 * EXPLAINs every statement on `connection` (whose default database holds the tables) and judges
 * it. Parameters are bound client-side (mysql2 `query`), so arrays expand for `IN (?)`.
 */
export async function runExplainAudit(connection: PromiseConnection, statements: AuditStatement[], options: AuditOptions = {}): Promise<AuditResult> {
  const rowsFactor = options.rowsFactor ?? DEFAULT_ROWS_FACTOR;
  let flavour = options.flavour;
  let version = options.version ?? '';
  if (!flavour) {
    const snapshot = await serverSnapshot(connection);
    flavour = snapshot.flavour === 'MariaDB' ? 'MariaDB' : 'MySQL';
    version = snapshot.version;
  }
  const analyze = flavour === 'MariaDB' && options.analyze !== false;
  if (flavour === 'MySQL') {
    // MySQL 8.3+ can print a second JSON format; the reader below knows version 1.
    await connection.query('SET SESSION explain_json_format_version = 1').catch(() => undefined);
  }
  const refreshed = options.refreshStatistics ? await refreshStatistics(connection, statements) : [];
  const results: StatementResult[] = [];
  for (const statement of statements) {
    results.push(await auditOne(connection, statement, flavour, analyze, rowsFactor));
  }
  const failures = results
    .filter((r) => !r.pass)
    .map((r) => (r.error ? `${r.name}: could not be EXPLAINed: ${r.error}` : `${r.name}: must use an index, plan has: ${r.verdict}`));
  return {
    flavour,
    version,
    rowsFactor,
    method: flavour === 'MySQL' ? 'EXPLAIN FORMAT=JSON' : analyze ? 'EXPLAIN + ANALYZE FORMAT=JSON' : 'EXPLAIN',
    statements: results,
    pass: failures.length === 0,
    failures,
    refreshed,
  };
}

/** ANALYZE TABLE on the base tables of the current database that the statements name; returns them. */
async function refreshStatistics(connection: PromiseConnection, statements: AuditStatement[]): Promise<string[]> {
  const named = new Set(statements.flatMap((statement) => [...identifiersOf(statement.sql)]));
  const [rows] = await connection.query(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
  );
  const tables = (rows as Array<{ name: string }>).map((row) => row.name).filter((name) => named.has(name.toLowerCase()));
  if (tables.length) await connection.query(`ANALYZE TABLE ${tables.map((t) => '`' + t.replace(/`/g, '``') + '`').join(', ')}`);
  return tables;
}

async function auditOne(
  connection: PromiseConnection,
  statement: AuditStatement,
  flavour: Flavour,
  analyze: boolean,
  rowsFactor: number,
): Promise<StatementResult> {
  const kind = statementKind(statement.sql);
  const base = {
    name: statement.name,
    sql: statement.sql,
    params: statement.params.map(summariseParam),
    kind,
    mustUseIndex: statement.mustUseIndex,
    ...(statement.expectedRows !== undefined ? { expectedRows: statement.expectedRows } : {}),
  };
  let plan: PlanRow[];
  let analyzeNote = flavour === 'MySQL' ? 'not run (MySQL)' : 'not run (--no-analyze)';
  try {
    if (kind === 'other') throw new Error('not a SELECT, INSERT, REPLACE, UPDATE or DELETE');
    if (flavour === 'MySQL') {
      const [rows] = await connection.query(`EXPLAIN FORMAT=JSON ${statement.sql}`, statement.params);
      plan = planFromJson(firstValue(rows));
    } else {
      const [rows] = await connection.query(`EXPLAIN ${statement.sql}`, statement.params);
      plan = planFromExplainRows(rows as Array<Record<string, unknown>>);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, plan: [], rowsEstimate: null, rowsExamined: null, analyze: 'not run', issues: [], verdict: 'error', pass: false, error: message };
  }
  if (analyze) {
    const outcome = await analyzeStatement(connection, statement, kind);
    analyzeNote = outcome.note;
    if (outcome.plan) plan = mergeAnalyze(plan, outcome.plan);
  }
  const judgement = judgeStatement(statement, plan, rowsFactor);
  return { ...base, ...judgement, analyze: analyzeNote };
}

function firstValue(rows: unknown): unknown {
  const row = (rows as Array<Record<string, unknown>>)[0];
  if (!row) throw new Error('EXPLAIN returned no rows');
  return Object.values(row)[0];
}

/** ANALYZE FORMAT=JSON where it is copy-safe (see the header); the note says what was done. */
async function analyzeStatement(
  connection: PromiseConnection,
  statement: AuditStatement,
  kind: StatementKind,
): Promise<{ note: string; plan?: PlanRow[] }> {
  if (kind === 'read' && /\bINTO\b/i.test(stripComments(statement.sql))) return { note: 'skipped: SELECT … INTO writes' };
  if (kind === 'write') {
    const unsafe = await rollbackUnsafe(connection, statement.sql);
    if (unsafe) return { note: `skipped: ${unsafe}` };
  }
  const sql = `ANALYZE FORMAT=JSON ${statement.sql}`;
  try {
    if (kind === 'read') {
      const [rows] = await connection.query(sql, statement.params);
      return { note: 'ran', plan: planFromJson(firstValue(rows)) };
    }
    await connection.query('START TRANSACTION');
    try {
      const [rows] = await connection.query(sql, statement.params);
      return { note: 'ran in a rolled-back transaction', plan: planFromJson(firstValue(rows)) };
    } finally {
      await connection.query('ROLLBACK');
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { note: `failed: ${message.split('\n')[0]}` };
  }
}


// ---------------------------------------------------------------------------------------------
// Printing


function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return typeof value === 'number' ? fmtCount(value) : value;
}

/** The audit as a table: one line per plan row, then each statement's verdict; ends with PASS/FAIL. */
export function formatAuditTable(result: AuditResult, title = 'EXPLAIN audit'): string {
  const header = ['statement', 'table', 'type', 'key', 'rows', 'r_rows', 'Extra', 'verdict'];
  const lines: string[][] = [];
  const notes: Array<{ after: number; text: string[] }> = [];
  for (const s of result.statements) {
    const label = `${s.mustUseIndex ? '* ' : '  '}${s.name}`;
    if (s.error) {
      lines.push([label, '-', '-', '-', '-', '-', '-', 'ERROR']);
      notes.push({ after: lines.length, text: [`error: ${s.error}`] });
      continue;
    }
    s.plan.forEach((row, i) => {
      const rRows = row.rRows === undefined ? '' : row.rRows === null ? (row.rLoops === 0 ? 'const' : '-') : fmtCount(row.rRows);
      lines.push([
        i === 0 ? label : '',
        cell(row.table),
        cell(row.type),
        cell(row.key),
        cell(row.rows),
        cell(rRows),
        cell(row.extra),
        row.issues.length ? row.issues.join(', ') : 'ok',
      ]);
    });
    if (s.plan.length === 0) lines.push([label, '-', '-', '-', '-', '-', 'no tables', 'ok']);
    const estimate = `rows estimate ${s.rowsEstimate === null ? '-' : fmtCount(s.rowsEstimate)}` +
      (s.rowsExamined === null ? '' : `, examined ${fmtCount(s.rowsExamined)}`) +
      (s.expectedRows === undefined ? '' : `, expected ${s.expectedRows}`);
    const status = s.pass ? (s.verdict === 'ok' ? 'OK' : s.mustUseIndex ? 'WARN' : 'NOTE') : 'FAIL';
    const text = [`${status}: ${s.verdict} (${estimate}; ANALYZE ${s.analyze})`];
    for (const row of s.plan) if (row.hint && row.issues.some((i) => INDEX_ISSUES.has(i))) text.push(`${row.table}: ${row.hint}`);
    notes.push({ after: lines.length, text });
  }
  const widths = header.map((h, c) => Math.min(c === 6 ? 40 : 48, Math.max(h.length, ...lines.map((l) => l[c]!.length))));
  const render = (cells: string[]): string =>
    cells
      .map((v, c) => {
        const text = v.length > widths[c]! ? `${v.slice(0, widths[c]! - 1)}…` : v;
        return c === 4 || c === 5 ? text.padStart(widths[c]!) : text.padEnd(widths[c]!);
      })
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(`${title}: ${result.flavour} ${result.version}, ${result.method}, rows factor ${result.rowsFactor}; * = must use an index`);
  if (result.refreshed.length) out.push(`statistics refreshed first (ANALYZE TABLE): ${result.refreshed.join(', ')}`);
  out.push(render(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  let next = 0;
  for (let i = 0; i <= lines.length; i++) {
    while (next < notes.length && notes[next]!.after === i) {
      for (const t of notes[next]!.text) out.push(`    ${t}`);
      next++;
    }
    if (i < lines.length) out.push(render(lines[i]!));
  }
  if (result.statements.some((s) => s.analyze === 'ran in a rolled-back transaction')) {
    out.push('ANALYZE executed the writes inside START TRANSACTION … ROLLBACK: nothing was kept (auto-increment counters may have advanced).');
  }
  out.push(
    result.pass
      ? 'PASS: every must-use-index statement uses an index'
      : `FAIL:\n${result.failures.map((f) => `  ${f}`).join('\n')}`,
  );
  return out.join('\n');
}
