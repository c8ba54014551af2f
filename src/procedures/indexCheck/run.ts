/**
 * The operations guide's index optimisation, as one measured procedure:
 *
 *   before  → which planned indexes exist (information_schema.STATISTICS), EXPLAIN of each query,
 *             its time (median / p95 of --repeat runs), and the write throughput on the plan's
 *             first table (measured on a scratch copy: see writeLoad);
 *   apply   → each missing index is added, MariaDB's ALTER TABLE progress read from a second
 *             connection every second; each one added is recorded in the registry;
 *   after   → the same measurements;
 *   verdict → the guide's acceptance criteria (analysis/index/indexAcceptance);
 *   rollback→ `ALTER TABLE t DROP INDEX idx` for the plan's indexes that innobench added and that
 *             still have the columns it added them with; any other is refused.
 *
 * The plan is parsed and refused before anything runs (analysis/index/indexPlan); without a queries
 * file one query per planned index is derived (catalog.deriveQueries).
 */
import type { ConnectionOptions } from '../../config/connection.js';
import { connectControl, type PromiseConnection } from '../../db/connect.js';
import { acceptance, formatAcceptance, type Acceptance, type Measurement, type QueryMeasure, type WriteMeasure } from '../../analysis/index/indexAcceptance.js';
import { checkExplain } from '../../analysis/index/explainJudge.js';
import { rollbackStatements, type Plan, type PlannedQuery } from '../../analysis/index/indexPlan.js';
import { sameName, shorten } from '../../sql/sqlText.js';
import { deriveQueries, explain, indexStatuses, missingTables, timeQuery } from './catalog.js';
import { addMissing, dropAdded, type AppliedIndex, type RefusedDrop } from './indexChanges.js';
import { describeWorkload, measureWrites, type WriteWorkload } from './writeLoad.js';
import type { ServerJournal } from '../../serverState/journal.js';

export interface IndexCheckOptions {
  connection: ConnectionOptions;
  plan: Plan;
  /** null: derive one query per planned index. */
  queries: PlannedQuery[] | null;
  apply: boolean;
  rollback: boolean;
  repeat: number;
  writeSeconds: number;
  writeConnections: number;
  writeSql?: string;
  writeParams?: string[];
  /** Aborted on Ctrl-C: the write load stops and drops its scratch table, the procedure ends between steps. */
  signal?: AbortSignal;
  /** Where the scratch table and every index added are recorded before they are made (undone on any exit; `--apply` keeps its indexes once added). */
  journal: ServerJournal;
  /** Report lines (stdout). */
  out: (line: string) => void;
  /** Progress lines (stderr). */
  progress: (line: string) => void;
}

export interface IndexCheckReport {
  mode: 'check' | 'apply' | 'trial' | 'rollback';
  before?: Measurement;
  after?: Measurement;
  applied: AppliedIndex[];
  dropped: string[];
  /** Indexes the rollback would not drop (not added by innobench, changed since, PRIMARY). */
  refused: RefusedDrop[];
  rollbackStatements: string[];
  acceptance?: Acceptance;
  writeWorkload?: string;
}

export async function runIndexCheck(o: IndexCheckOptions): Promise<IndexCheckReport> {
  const mode: IndexCheckReport['mode'] = o.apply ? (o.rollback ? 'trial' : 'apply') : o.rollback ? 'rollback' : 'check';
  // The command refuses such a plan before connecting; a caller that did not is refused here, still before any SQL.
  const refused = o.plan.errors[0];
  if (refused) throw new Error(`the plan has statements index-check refuses (line ${refused.line}: ${refused.reason}: ${JSON.stringify(refused.sql)})`);
  if (o.plan.indexes.length === 0) throw new Error('the plan adds no index');
  const control = await connectControl(o.connection);
  const report: IndexCheckReport = { mode, applied: [], dropped: [], refused: [], rollbackStatements: rollbackStatements(o.plan) };
  const step = (): void => {
    if (o.signal?.aborted) throw new Error('index-check interrupted');
  };
  try {
    // The query cache would answer repeated timings from memory: off for this session where it exists.
    await control.query('SET SESSION query_cache_type = OFF').catch(() => undefined);
    if (mode === 'rollback') {
      o.out('rollback (only indexes innobench added):');
      Object.assign(report, await dropAdded(control, o.plan.indexes, o.connection.database, o));
      return report;
    }
    const tables = await missingTables(control, o.plan.indexes, o.connection.database);
    if (tables.length) throw new Error(`the plan names table(s) that do not exist: ${tables.join(', ')}`);

    const first = o.plan.indexes[0]!;
    const workload: WriteWorkload | null =
      o.writeSeconds <= 0
        ? null
        : o.writeSql
          ? { kind: 'rolled-back', sql: o.writeSql, ...(o.writeParams ? { paramNames: o.writeParams } : {}) }
          : { kind: 'scratch', schema: first.schema ?? o.connection.database, table: first.table };
    if (workload) report.writeWorkload = describeWorkload(workload);
    const queries = o.queries ?? (await deriveQueries(control, o.plan.indexes, o.connection.database));

    o.out(o.apply ? 'before:' : 'current state:');
    report.before = await measure(control, o, queries, workload);
    step();
    if (o.apply) {
      const monitor = await connectControl(o.connection);
      try {
        o.out('apply:');
        report.applied = await addMissing(control, monitor, report.before.indexes, o.journal, mode === 'apply', o);
      } finally {
        await monitor.end().catch(() => undefined);
      }
      step();
      o.out('after:');
      report.after = await measure(control, o, queries, workload);
    }
    report.acceptance = acceptance(report.before, report.after ?? null);
    o.out("acceptance (the operations guide's index optimisation):");
    for (const line of formatAcceptance(report.acceptance)) o.out(line);
    if (mode === 'trial') {
      const added = report.applied.filter((a) => !a.error);
      o.out('rollback (indexes this run added):');
      const outcome = await dropAdded(
        control,
        o.plan.indexes.filter((i) => added.some((a) => sameName(a.table, i.table) && sameName(a.index, i.name))),
        o.connection.database,
        o,
      );
      report.dropped = outcome.dropped;
      report.refused = outcome.refused;
      // Dropped above, or refused because someone changed it since: either way not the journal's to undo.
      for (const a of added) await o.journal.discard(a.journalEntry ?? null);
    }
    return report;
  } finally {
    await control.end().catch(() => undefined);
  }
}

async function measure(control: PromiseConnection, o: IndexCheckOptions, queries: PlannedQuery[], workload: WriteWorkload | null): Promise<Measurement> {
  const indexes = await indexStatuses(control, o.plan.indexes, o.connection.database);
  const missing = indexes.filter((s) => s.state !== 'present').length;
  o.out(`  planned indexes: ${indexes.length}, present ${indexes.length - missing}, missing ${missing}`);
  for (const s of indexes) {
    if (s.state !== 'present') o.out(`    ${s.state === 'missing' ? 'missing  ' : 'DIFFERENT'} ${s.index.table}.${s.index.name} (${s.index.columns.map((c) => c.name).join(', ')})${s.actual ? ` has (${s.actual.join(', ')})` : ''}`);
  }
  const measures: QueryMeasure[] = [];
  for (const [k, query] of queries.entries()) {
    const check = checkExplain(await explain(control, query.sql), query.expect);
    const timing = await timeQuery(control, query.sql, o.repeat);
    measures.push({ query, explain: check, ...timing });
    const label = query.expect ? `expect ${query.expect}` : query.derivedFor ? `derived for ${query.derivedFor}` : 'any index';
    o.out(`  q${k + 1} [${label}] median ${timing.medianMs.toFixed(3)} ms, p95 ${timing.p95Ms.toFixed(3)} ms; EXPLAIN ${check.access} → ${check.ok ? 'OK' : 'NOT OK'}: ${check.reason}`);
    o.out(`      ${shorten(query.sql)}`);
  }
  let writes: WriteMeasure | null = null;
  if (workload) {
    writes = await measureWrites(o.connection, workload, o.writeSeconds, o.writeConnections, o.journal, o.signal);
    o.out(formatWrites(writes));
  }
  return { indexes, missing, queries: measures, writes };
}

function formatWrites(w: WriteMeasure): string {
  const spread = w.perSecond.length > 1 ? ` (per second ${Math.min(...w.perSecond)}–${Math.max(...w.perSecond)})` : '';
  const latency = `latency p50 ${w.latencyMs.p50} ms, p99 ${w.latencyMs.p99} ms`;
  const retried = w.retries ? `, ${w.retries} retried` : '';
  const errors = w.errors ? `, ${w.errors} errors (first: ${w.firstError})` : '';
  return `  writes (${w.target}): ${w.rows} rows in ${w.seconds.toFixed(1)} s from ${w.connections} connections = ${w.rowsPerSec.toFixed(0)} rows/s${spread}; ${latency}${retried}${errors}`;
}
