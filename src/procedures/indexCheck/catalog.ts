/**
 * What index-check reads from the server about a plan: which planned indexes exist and with which
 * columns, EXPLAIN of a query, a query's time, and the queries derived when no queries file is
 * given. Reads only.
 */
import { format as formatSql } from 'mysql2';
import type { PromiseConnection } from '../../db/connect.js';
import { quoteIdent } from '../../db/identifiers.js';
import type { IndexStatus } from '../../analysis/index/indexAcceptance.js';
import type { PlannedIndex, PlannedQuery } from '../../analysis/index/indexPlan.js';
import { planFromExplainRows, type PlanRow } from '../../analysis/index/explainPlan.js';
import { sameName } from '../../sql/sqlText.js';
import { median, percentile } from '../../analysis/verdicts/stats.js';

type Row = Record<string, unknown>;

export async function select<T = Row>(connection: PromiseConnection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await connection.query(sql, params);
  return rows as T[];
}

/** Which planned indexes exist, as information_schema.STATISTICS lists them. */
export async function indexStatuses(connection: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<IndexStatus[]> {
  const statuses: IndexStatus[] = [];
  const bySchema = new Map<string, PlannedIndex[]>();
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), index]);
  }
  const actual = new Map<string, string[]>();
  for (const [schema, list] of bySchema) {
    const rows = await select<{ t: string; i: string; c: string | null }>(
      connection,
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [schema, [...new Set(list.map((i) => i.table))]],
    );
    for (const row of rows) {
      const key = `${schema}\u0000${row.t.toLowerCase()}\u0000${row.i.toLowerCase()}`;
      actual.set(key, [...(actual.get(key) ?? []), row.c ?? '(expression)']);
    }
  }
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    const columns = actual.get(`${schema}\u0000${index.table.toLowerCase()}\u0000${index.name.toLowerCase()}`);
    if (!columns) statuses.push({ index, schema, state: 'missing' });
    else {
      const same = columns.length === index.columns.length && columns.every((c, k) => sameName(c, index.columns[k]!.name));
      statuses.push({ index, schema, state: same ? 'present' : 'different', actual: columns });
    }
  }
  return statuses;
}

export async function explain(connection: PromiseConnection, sql: string): Promise<PlanRow[]> {
  return planFromExplainRows(await select<Row>(connection, `EXPLAIN ${sql}`));
}

/** Runs the query once to warm the buffer pool, then `repeat` timed runs (rows fetched). */
export async function timeQuery(connection: PromiseConnection, sql: string, repeat: number): Promise<{ medianMs: number; p95Ms: number; runs: number }> {
  await connection.query(sql);
  const samples: number[] = [];
  for (let k = 0; k < repeat; k++) {
    const started = process.hrtime.bigint();
    await connection.query(sql);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { medianMs: median(samples), p95Ms: percentile(samples, 95), runs: repeat };
}

/** One query per planned index, for when no queries file is given (see the header). */
export async function deriveQueries(connection: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<PlannedQuery[]> {
  const queries: PlannedQuery[] = [];
  for (const index of indexes) {
    if (index.kind === 'FULLTEXT' || index.kind === 'SPATIAL') continue;
    const table = `${quoteIdent(index.schema ?? defaultSchema)}.${quoteIdent(index.table)}`;
    const cols = index.columns.map((c) => quoteIdent(c.name));
    const [countRow] = await select<{ n: number }>(connection, `SELECT COUNT(*) AS n FROM ${table}`);
    const n = Number(countRow?.n ?? 0);
    if (n === 0) throw new Error(`${index.table} is empty: no query can be derived for ${index.name}; give --queries`);
    const [row] = await select<Row>(
      connection,
      `SELECT ${cols.map((c, k) => `${c} AS c${k}`).join(', ')} FROM ${table} ORDER BY ${cols.join(', ')} LIMIT 1 OFFSET ?`,
      [Math.floor(n * 0.99)],
    );
    const values = index.columns.map((_, k) => row?.[`c${k}`]);
    const where = cols.map((col, k) => {
      const value = values[k];
      if (value === null || value === undefined) return `${col} IS NULL`;
      return formatSql(`${col} ${k === cols.length - 1 ? '>=' : '='} ?`, [value as string]);
    });
    queries.push({ sql: `SELECT * FROM ${table} WHERE ${where.join(' AND ')}`, derivedFor: index.name, line: index.line });
  }
  return queries;
}

/** The plan's tables that do not exist, as `schema.table`. */
export async function missingTables(control: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<string[]> {
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    const key = `${schema}.${index.table}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rows = await select(control, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [schema, index.table]);
    if (rows.length === 0) missing.push(key);
  }
  return missing;
}
