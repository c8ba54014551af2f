/**
 * Query plans read into one shape: tabular EXPLAIN rows (MySQL or MariaDB), EXPLAIN FORMAT=JSON
 * (MySQL, format version 1) and ANALYZE FORMAT=JSON (MariaDB, with the actual rows). Pure.
 */

/** One table of a plan, normalised from tabular EXPLAIN rows or from EXPLAIN/ANALYZE FORMAT=JSON. */
export interface PlanRow {
  /** The SELECT the table belongs to (EXPLAIN's id); null for a UNION RESULT row. */
  id: number | null;
  /** SIMPLE, PRIMARY, SUBQUERY, … ; INSERT/UPDATE/DELETE for the written table; null when unknown. */
  selectType: string | null;
  table: string | null;
  /** The access type ("join type"): const, eq_ref, ref, range, index, ALL, … */
  type: string | null;
  possibleKeys: string | null;
  key: string | null;
  keyLen: string | null;
  ref: string | null;
  /** The optimizer's estimate of rows examined per lookup (EXPLAIN's rows; MySQL JSON's rows_examined_per_scan). */
  rows: number | null;
  filtered: number | null;
  extra: string;
  /** ANALYZE (MariaDB): actual rows read per loop, averaged; null when the table was not read at run time. */
  rRows?: number | null;
  /** ANALYZE: how many times the table was read (0 for a const table read while optimising). */
  rLoops?: number | null;
}

type Json = Record<string, unknown>;

function str(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (Array.isArray(value)) return value.length ? value.map(String).join(',') : null;
  return String(value);
}

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Normalises the rows of a tabular EXPLAIN (MySQL or MariaDB; column names as the server sends them). */
export function planFromExplainRows(rows: Array<Record<string, unknown>>): PlanRow[] {
  return rows.map((row) => ({
    id: num(row.id),
    selectType: str(row.select_type),
    table: str(row.table),
    type: str(row.type),
    possibleKeys: str(row.possible_keys),
    key: str(row.key),
    keyLen: str(row.key_len),
    ref: str(row.ref),
    rows: num(row.rows),
    filtered: num(row.filtered),
    extra: str(row.Extra ?? row.extra) ?? '',
  }));
}

/**
 * Normalises EXPLAIN FORMAT=JSON (MySQL, format version 1) or ANALYZE FORMAT=JSON / EXPLAIN
 * FORMAT=JSON (MariaDB): every `table` object of the tree becomes a row, in tree order, which is
 * the order tabular EXPLAIN prints. Sorting and temporary tables are nodes around the tables
 * (MySQL: ordering_operation / grouping_operation with using_filesort / using_temporary_table;
 * MariaDB: filesort / temporary_table nodes); they are shown in Extra of the first table below
 * them, where tabular EXPLAIN shows them.
 */
export function planFromJson(document: unknown): PlanRow[] {
  const parsed = typeof document === 'string' ? (JSON.parse(document) as unknown) : document;
  const out: PlanRow[] = [];
  walk(parsed, { selectId: null, extras: [] }, out);
  return out;
}

interface WalkContext {
  selectId: number | null;
  /** Extra notes waiting for the first table below the node that raised them. */
  extras: string[];
}

function walk(node: unknown, ctx: WalkContext, out: PlanRow[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, ctx, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Json;
  let here = ctx;
  const selectId = num(object.select_id);
  const raised: string[] = [];
  if (object.using_filesort === true || isObject(object.filesort)) raised.push('Using filesort');
  if (object.using_temporary_table === true || isObject(object.temporary_table)) raised.push('Using temporary');
  if (selectId !== null || raised.length) {
    here = { selectId: selectId ?? ctx.selectId, extras: [...ctx.extras, ...raised] };
    ctx.extras.length = 0;
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === 'table' && isObject(value) && typeof value.table_name === 'string') {
      out.push(tableRow(value, here));
      // A table may hold further plans: materialized_from_subquery, attached_subqueries.
      walk(Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'table')), here, out);
    } else if (value !== null && typeof value === 'object') walk(value, here, out);
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function tableRow(table: Json, ctx: WalkContext): PlanRow {
  const extra: string[] = [];
  if (typeof table.message === 'string') extra.push(table.message);
  if (table.index_condition !== undefined) extra.push('Using index condition');
  if (table.attached_condition !== undefined) extra.push('Using where');
  if (table.using_index === true) extra.push('Using index');
  if (table.using_join_buffer !== undefined) extra.push(`Using join buffer (${String(table.using_join_buffer)})`);
  extra.push(...ctx.extras.splice(0));
  const writes = table.insert ? 'INSERT' : table.update ? 'UPDATE' : table.delete ? 'DELETE' : null;
  const row: PlanRow = {
    id: ctx.selectId,
    selectType: writes,
    table: String(table.table_name),
    type: str(table.access_type),
    possibleKeys: str(table.possible_keys),
    key: str(table.key),
    keyLen: str(table.key_length),
    ref: str(table.ref),
    rows: num(table.rows_examined_per_scan ?? table.rows),
    filtered: num(table.filtered),
    extra: extra.join('; '),
  };
  if ('r_rows' in table) {
    row.rRows = num(table.r_rows);
    row.rLoops = num(table.r_loops);
  }
  return row;
}

/** Adds ANALYZE's actual rows to the tabular plan, matching tables by name in order. */
export function mergeAnalyze(plan: PlanRow[], analyzed: PlanRow[]): PlanRow[] {
  const used = new Set<number>();
  return plan.map((row) => {
    const index = analyzed.findIndex((a, i) => !used.has(i) && a.table === row.table);
    if (index === -1) return row;
    used.add(index);
    const match = analyzed[index]!;
    return match.rRows === undefined ? row : { ...row, rRows: match.rRows, rLoops: match.rLoops ?? null };
  });
}
