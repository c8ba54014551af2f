/**
 * The seed's summary-table pitfalls, measured on a prepared many-to-many library:
 * - drift: group_count against the real COUNT(*) per group (cascaded deletes fire no trigger);
 * - the decrement written as `IN (subquery)` vs as a JOIN: EXPLAIN's row estimates, the rows the
 *   handler actually read, and the time, each inside a transaction that is rolled back.
 */
import type { PromiseConnection } from '../db/connect.js';
import { q, type LibraryTables } from '../schema/tables.js';

export interface DriftReport {
  groups: number;
  drifted: Array<{ groupId: number; counted: number; actual: number }>;
}

export async function countDrift(control: PromiseConnection, tables: LibraryTables): Promise<DriftReport> {
  const [rows] = await control.query(
    `SELECT g.id AS groupId, COALESCE(gc.count, 0) AS counted, COUNT(gm.person_id) AS actual
     FROM ${q(tables.group)} g
     LEFT JOIN ${q(tables.groupCount)} gc ON gc.group_id = g.id
     LEFT JOIN ${q(tables.groupMember)} gm ON gm.group_id = g.id
     GROUP BY g.id, gc.count`,
  );
  const all = (rows as Array<{ groupId: number; counted: number; actual: number }>).map((r) => ({ groupId: r.groupId, counted: Number(r.counted), actual: Number(r.actual) }));
  return { groups: all.length, drifted: all.filter((r) => r.counted !== r.actual) };
}

/** Deletes one person (its memberships go by ON DELETE CASCADE, firing no trigger), measures the drift, rolls back. */
export async function demonstrateCascadeDrift(control: PromiseConnection, tables: LibraryTables): Promise<{ personId: number; memberships: number; drift: DriftReport }> {
  const [people] = await control.query(
    `SELECT person_id AS personId, COUNT(*) AS n FROM ${q(tables.groupMember)} GROUP BY person_id ORDER BY n DESC, person_id LIMIT 1`,
  );
  const person = (people as Array<{ personId: number; n: number }>)[0];
  if (!person) throw new Error(`${tables.groupMember} is empty`);
  await control.query('START TRANSACTION');
  try {
    await control.query(`DELETE FROM ${q(tables.person)} WHERE id = ?`, [person.personId]);
    return { personId: person.personId, memberships: Number(person.n), drift: await countDrift(control, tables) };
  } finally {
    await control.query('ROLLBACK');
  }
}

export interface DecrementMeasure {
  form: 'in-subquery' | 'join';
  sql: string;
  explain: Array<{ table: string; type: string; key: string | null; rows: number; extra: string }>;
  /** Sum of EXPLAIN's row estimates. */
  estimatedRows: number;
  /** Handler_read_* counters grown per execution: the rows actually read. */
  handlerReadsPerExecution: number;
  medianMs: number;
  executions: number;
}

export function decrementStatements(tables: LibraryTables): Record<DecrementMeasure['form'], string> {
  return {
    'in-subquery': `UPDATE ${q(tables.groupCount)} SET count = count - 1 WHERE group_id IN (SELECT group_id FROM ${q(tables.groupMember)} WHERE person_id = ?)`,
    join: `UPDATE ${q(tables.groupCount)} gc JOIN ${q(tables.groupMember)} gm ON gm.group_id = gc.group_id SET gc.count = gc.count - 1 WHERE gm.person_id = ?`,
  };
}

export async function measureDecrement(control: PromiseConnection, tables: LibraryTables, form: DecrementMeasure['form'], personIds: number[]): Promise<DecrementMeasure> {
  const sql = decrementStatements(tables)[form];
  const [explainRows] = await control.query(`EXPLAIN ${sql}`, [personIds[0] ?? 0]);
  const explain = (explainRows as Array<{ table: string; type: string; key: string | null; rows: number; Extra: string | null }>).map((r) => ({
    table: r.table,
    type: r.type,
    key: r.key,
    rows: Number(r.rows ?? 0),
    extra: r.Extra ?? '',
  }));
  const timings: number[] = [];
  const readsBefore = await handlerReads(control);
  for (const personId of personIds) {
    await control.query('START TRANSACTION');
    const started = process.hrtime.bigint();
    await control.query(sql, [personId]);
    timings.push(Number(process.hrtime.bigint() - started) / 1e6);
    await control.query('ROLLBACK');
  }
  const readsAfter = await handlerReads(control);
  timings.sort((a, b) => a - b);
  return {
    form,
    sql,
    explain,
    estimatedRows: explain.reduce((sum, r) => sum + r.rows, 0),
    handlerReadsPerExecution: Math.round((readsAfter - readsBefore) / Math.max(1, personIds.length)),
    medianMs: timings[Math.floor(timings.length / 2)] ?? 0,
    executions: personIds.length,
  };
}

/** The session's Handler_read_* total: rows the storage engine was asked for. */
async function handlerReads(control: PromiseConnection): Promise<number> {
  const [rows] = await control.query("SHOW SESSION STATUS LIKE 'Handler_read%'");
  return (rows as Array<{ Value: string }>).reduce((sum, r) => sum + Number(r.Value), 0);
}
