/**
 * What a stage profile is: where it is written, its two sources (performance_schema, or the
 * `SET profiling` fallback when performance_schema is OFF), their summaries and the text of
 * stages.txt.
 */
import type { StageLine, StatementProfile } from '../../analysis/server/stageAttribution.js';

export const STAGES_FILE = 'stages.txt';
export const FALLBACK_LABEL = 'SET profiling fallback (sampled connection)';
export const PS_LABEL = 'performance_schema (events_statements_history_long + events_stages_history_long)';
export const HOW_TO_ENABLE_PS =
  'performance_schema is OFF and cannot be switched on at runtime: add `performance_schema=ON` under [mysqld] in my.cnf ' +
  '(e.g. /etc/mysql/mariadb.conf.d/99-innobench.cnf) and restart the server; to lose fewer rows between polls also raise ' +
  'performance_schema_events_stages_history_long_size and performance_schema_events_statements_history_long_size there';

/** Marks the profiler's own statements, so that neither source counts them. */
export const CONTROL_MARK = '/* innobench-stage-profile */';

export interface StageProfileOptions {
  /** The statement the fallback replays (performance_schema OFF); ignored when it is ON. */
  sample?: { sql: string; params?: unknown[]; rollback?: boolean };
  /** Fallback: how many times the sample is replayed (default 20). */
  replays?: number;
  /** Fallback: ms between replays (default 1000). */
  everyMs?: number;
  /** performance_schema: ms between reads of the history tables (default 200). */
  pollMs?: number;
  /** Stages listed per statement (default 8). */
  topStages?: number;
}
export interface PsStageProfileSummary {
  source: typeof PS_LABEL;
  database: string;
  pollMs: number;
  historySize: { statements: number; stages: number };
  statementsSeen: number;
  statementsWithStages: number;
  /** Stages whose NESTING_EVENT_ID named another statement than their event-id range does. */
  stagesReattributed: number;
  statements: StatementProfile[];
  /**
   * Server-side prepared statements (what the workers run), from prepared_statements_instances:
   * every execution up to the last poll, not a sample; MariaDB's statement history has no text
   * for their executions (statement/com/Execute).
   */
  preparedStatements: PreparedStatementTotals[];
  restored: boolean;
  file: string;
  notes: string[];
}

export interface PreparedStatementTotals {
  statement: string;
  executions: number;
  totalMs: number;
  avgMs: number;
  /** Over each instance's life, which may have begun before the run. */
  maxMs: number;
  avgRowsExamined: number;
  connections: number;
}

export interface FallbackStageProfileSummary {
  source: typeof FALLBACK_LABEL;
  performanceSchema: 'OFF';
  howToEnable: string;
  sample: string | null;
  replays: number;
  profiled: number;
  /** What SHOW PROFILES recorded instead of the sample (a trigger's statement). */
  recordedAs: string[];
  totalMs: number;
  avgMs: number;
  topStages: StageLine[];
  file: string;
  notes: string[];
}

export type StageProfileSummary = PsStageProfileSummary | FallbackStageProfileSummary;
function stageTable(lines: StageLine[], indent = '    '): string[] {
  if (lines.length === 0) return [`${indent}(no stage captured)`];
  const width = Math.max(5, ...lines.map((line) => line.stage.length));
  const out = [`${indent}${'stage'.padEnd(width)}  ${'total ms'.padStart(10)}  ${'avg ms'.padStart(9)}  ${'calls'.padStart(6)}  ${'%'.padStart(5)}`];
  for (const line of lines) {
    out.push(`${indent}${line.stage.padEnd(width)}  ${line.totalMs.toFixed(3).padStart(10)}  ${line.avgMs.toFixed(3).padStart(9)}  ${String(line.calls).padStart(6)}  ${line.pct.toFixed(1).padStart(5)}`);
  }
  return out;
}

export function stageProfileText(summary: StageProfileSummary): string {
  const out: string[] = [`Stage profile — ${summary.source}`];
  if (summary.source === PS_LABEL) {
    out.push(
      `database ${summary.database}; ${summary.statementsSeen} statements read, ${summary.statementsWithStages} with every stage (history rings: ${summary.historySize.statements} statements, ${summary.historySize.stages} stages; polled every ${summary.pollMs} ms)`,
    );
    for (const statement of summary.statements) {
      out.push('');
      const head = statement.kind === 'statement' ? statement.statement : `${statement.statement}`;
      out.push(`${head}`);
      out.push(
        `  ${statement.count}× total ${statement.totalMs.toFixed(3)} ms, avg ${statement.avgMs.toFixed(3)} ms, max ${statement.maxMs.toFixed(3)} ms, rows examined avg ${statement.avgRowsExamined}; stages of ${statement.withStages} statement(s) (avg ${statement.avgMsWithStages.toFixed(3)} ms), own stage time ${statement.ownStageMs.toFixed(3)} ms`,
      );
      if (statement.firedBy) out.push(`  fired by: ${statement.firedBy.join(' | ')}`);
      for (const fired of statement.firedTriggers) out.push(`  fires trigger ${fired.trigger} (${fired.count}×, ${fired.totalMs.toFixed(3)} ms inside this statement's time): ${fired.statement}`);
      out.push(...stageTable(statement.topStages));
    }
    if (summary.preparedStatements.length) {
      out.push('');
      out.push('prepared statements (performance_schema.prepared_statements_instances, every execution):');
      for (const p of summary.preparedStatements) {
        out.push(`  ${p.executions}× total ${p.totalMs.toFixed(3)} ms, avg ${p.avgMs.toFixed(3)} ms, max ${p.maxMs.toFixed(3)} ms, rows examined avg ${p.avgRowsExamined}, ${p.connections} connection(s): ${p.statement}`);
      }
    }
  } else {
    out.push(summary.howToEnable);
    out.push('');
    out.push(`sample: ${summary.sample ?? '(none)'}`);
    out.push(`${summary.profiled} of ${summary.replays} replays profiled; total ${summary.totalMs.toFixed(3)} ms, avg ${summary.avgMs.toFixed(3)} ms`);
    if (summary.recordedAs.length) out.push(`SHOW PROFILES recorded instead: ${summary.recordedAs.join(' | ')}`);
    out.push(...stageTable(summary.topStages));
  }
  if (summary.notes.length) {
    out.push('');
    out.push(...summary.notes.map((note) => `note: ${note}`));
  }
  return out.join('\n') + '\n';
}
