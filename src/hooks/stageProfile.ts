/**
 * Where the server's time goes, stage by stage, for the statements of a run.
 *
 * With performance_schema ON: the statement and stage instruments and the history consumers are
 * switched on for the run (their previous rows saved and put back, also by globalsGuard on a
 * forced exit), the history tables truncated, then read every `pollMs` while the load runs. The
 * history tables are rings (performance_schema_events_*_history_long_size rows): a busy server
 * overwrites rows between polls, so the profile is a sample; a statement counts towards the stage
 * breakdown only when every one of its events was read (its event ids, EVENT_ID+1 … END_EVENT_ID,
 * are all stages or nested statements).
 *
 * Stages are given to a statement by event-id range, not by NESTING_EVENT_ID: on MariaDB 10.11 the
 * stages a statement runs after one of its triggers finished (End of update loop, Commit, Freeing
 * items …) keep the trigger's statement as their NESTING_EVENT_ID, the misattribution the seed shows
 * ("waiting for handler commit" under the trigger's insert). A stage belongs to the innermost
 * statement, of the same thread, whose EVENT_ID … END_EVENT_ID range holds its EVENT_ID.
 * Statements fired by triggers (OBJECT_TYPE = 'TRIGGER', NESTING_EVENT_TYPE = 'STATEMENT') are
 * reported on their own and under the statement that fired them.
 *
 * With performance_schema OFF (it cannot be switched on without a restart), the fallback is the
 * seed's `SET profiling=1` on a connection of the hook's own that replays one representative
 * statement now and then during the run. It is labelled as such: it profiles a sample, not the
 * workers, and for a statement that fires a trigger SHOW PROFILES shows the trigger's statement
 * instead (seed; reproduced on MariaDB 10.11).
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { normalizeStatement } from '../analysis/deadlocks.js';
import { registerUndo } from '../db/globalsGuard.js';
import type { HookContext, HookStopContext, RunHook } from '../engine/runHooks.js';

export const STAGES_FILE = 'stages.txt';
export const FALLBACK_LABEL = 'SET profiling fallback (sampled connection)';
export const PS_LABEL = 'performance_schema (events_statements_history_long + events_stages_history_long)';
export const HOW_TO_ENABLE_PS =
  'performance_schema is OFF and cannot be switched on at runtime: add `performance_schema=ON` under [mysqld] in my.cnf ' +
  '(e.g. /etc/mysql/mariadb.conf.d/99-innobench.cnf) and restart the server; to lose fewer rows between polls also raise ' +
  'performance_schema_events_stages_history_long_size and performance_schema_events_statements_history_long_size there';

const CONSUMERS = ['events_statements_current', 'events_statements_history_long', 'events_stages_current', 'events_stages_history_long'];
const CONTROL_MARK = '/* innobench-stage-profile */';
const PS_PER_MS = 1e9;
const TOP_STATEMENTS = 20;

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

export interface StageLine {
  stage: string;
  totalMs: number;
  /** Per statement that has its stages. */
  avgMs: number;
  calls: number;
  /** Share of the statement's own time (stages and the time between them). */
  pct: number;
}

export interface StatementProfile {
  statement: string;
  kind: 'statement' | 'trigger' | 'nested';
  /** schema.name of the trigger (or routine) that ran it. */
  object?: string;
  /** For a statement fired by a trigger: the statements that fired it. */
  firedBy?: string[];
  count: number;
  /** Statements whose every stage was read. */
  withStages: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  avgRowsExamined: number;
  /** Mean time of the `withStages` statements: below avgMs when the long ones lost stages (see notes). */
  avgMsWithStages: number;
  /**
   * Time of the statement itself over its `withStages` statements: its stages plus the time between
   * stages ("(no stage: after X)" lines), nested statements excluded.
   */
  ownStageMs: number;
  firedTriggers: Array<{ trigger: string; statement: string; count: number; totalMs: number }>;
  topStages: StageLine[];
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

interface PreparedInstance {
  threadId: number;
  text: string;
  base: { count: number; sum: number; rows: number };
  count: number;
  sum: number;
  max: number;
  rows: number;
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

// ---- performance_schema: pure attribution ----

export interface PsStatementRow {
  threadId: number;
  eventId: number;
  endEventId: number;
  eventName: string;
  timerWait: number;
  /** Picoseconds since server start; null when not timed. */
  timerStart?: number | null;
  timerEnd?: number | null;
  sqlText: string | null;
  digestText: string | null;
  currentSchema: string | null;
  objectType: string | null;
  objectSchema: string | null;
  objectName: string | null;
  nestingEventId: number | null;
  nestingLevel: number;
  rowsExamined: number;
}

export interface PsStageRow {
  threadId: number;
  eventId: number;
  eventName: string;
  timerWait: number;
  timerStart?: number | null;
  timerEnd?: number | null;
  nestingEventId: number | null;
}

/** Time a statement spent outside every instrumented stage, named after the stage before it. */
export function gapLabel(after: string | null): string {
  return after === null ? '(no stage: before the first stage)' : `(no stage: after ${after.replace(/^stage\/sql\//, '')})`;
}

interface StageTotals {
  ps: number;
  calls: number;
}

interface Group {
  statement: string;
  kind: StatementProfile['kind'];
  object?: string;
  firedBy: Set<string>;
  count: number;
  withStages: number;
  totalPs: number;
  withStagesPs: number;
  maxPs: number;
  rowsExamined: number;
  stages: Map<string, StageTotals>;
  fired: Map<string, { trigger: string; statement: string; count: number; ps: number }>;
}

interface ThreadState {
  watermark: number;
  top: Map<number, PsStatementRow>;
  nested: Map<number, PsStatementRow>;
  stages: Map<number, PsStageRow>;
}

function statementKey(row: PsStatementRow, prepared?: Set<string>): string {
  if (row.eventName === 'statement/com/Execute' && !row.sqlText && prepared?.size) {
    // MariaDB records no text for COM_STMT_EXECUTE: name it by the connection's prepared statements.
    const texts = [...prepared].sort();
    return texts.length === 1 ? texts[0]! : `COM_STMT_EXECUTE of one of: ${texts.join(' | ')}`;
  }
  const text = row.digestText ?? (row.sqlText ? normalizeStatement(row.sqlText) : row.eventName);
  return text.replace(/\s+/g, ' ').trim();
}

function objectOf(row: PsStatementRow): string | undefined {
  return row.objectName ? `${row.objectSchema ?? '?'}.${row.objectName}` : undefined;
}

/**
 * Accumulates statements and stages read from the history tables, poll after poll, without
 * counting a row twice: per thread, everything up to the END_EVENT_ID of the last top-level
 * statement processed is done with.
 */
export class StageAttribution {
  private readonly threads = new Map<number, ThreadState>();
  private readonly groups = new Map<string, Group>();
  /** Per thread, the (normalized) texts of the statements it prepared. */
  private readonly prepared = new Map<number, Set<string>>();
  statementsSeen = 0;
  statementsWithStages = 0;
  stagesReattributed = 0;
  untimed = 0;

  constructor(private readonly database: string | null) {}

  /** What a connection prepared (performance_schema.prepared_statements_instances). */
  notePrepared(threadId: number, sqlText: string): void {
    let texts = this.prepared.get(threadId);
    if (!texts) this.prepared.set(threadId, (texts = new Set()));
    texts.add(normalizeStatement(sqlText));
  }

  add(statements: PsStatementRow[], stages: PsStageRow[]): void {
    for (const row of statements) {
      const thread = this.thread(row.threadId);
      if (row.eventId <= thread.watermark) continue;
      (row.nestingLevel > 0 ? thread.nested : thread.top).set(row.eventId, row);
    }
    for (const row of stages) {
      const thread = this.thread(row.threadId);
      if (row.eventId > thread.watermark) thread.stages.set(row.eventId, row);
    }
    for (const thread of this.threads.values()) this.process(thread);
  }

  private thread(id: number): ThreadState {
    let thread = this.threads.get(id);
    if (!thread) this.threads.set(id, (thread = { watermark: 0, top: new Map(), nested: new Map(), stages: new Map() }));
    return thread;
  }

  private process(thread: ThreadState): void {
    const tops = [...thread.top.values()].sort((a, b) => a.eventId - b.eventId);
    for (const top of tops) {
      thread.top.delete(top.eventId);
      const inRange = (id: number): boolean => id > top.eventId && id <= top.endEventId;
      const nested = [...thread.nested.values()].filter((row) => inRange(row.eventId));
      const stages = [...thread.stages.values()].filter((row) => inRange(row.eventId));
      thread.watermark = Math.max(thread.watermark, top.endEventId);
      if (this.database !== null && top.currentSchema !== this.database) continue;
      const complete = nested.length + stages.length === top.endEventId - top.eventId;
      this.record(top, nested, complete ? stages : null);
    }
    for (const map of [thread.nested, thread.stages] as Array<Map<number, { eventId: number }>>) {
      for (const id of map.keys()) if (id <= thread.watermark) map.delete(id);
    }
  }

  /** One top-level statement with its nested statements, and its stages when all were read. */
  private record(top: PsStatementRow, nested: PsStatementRow[], stages: PsStageRow[] | null): void {
    this.statementsSeen++;
    if (top.timerWait === 0) this.untimed++;
    const topKey = statementKey(top, this.prepared.get(top.threadId));
    const topGroup = this.group(topKey, 'statement');
    this.count(topGroup, top, stages !== null);
    const nestedGroups = new Map<number, Group>();
    for (const row of nested) {
      const kind = row.objectType === 'TRIGGER' ? 'trigger' : 'nested';
      const key = `[${kind === 'trigger' ? 'trigger' : (row.objectType ?? 'nested').toLowerCase()} ${objectOf(row) ?? '?'}] ${statementKey(row)}`;
      const group = this.group(key, kind, objectOf(row));
      group.firedBy.add(topKey);
      this.count(group, row, stages !== null);
      nestedGroups.set(row.eventId, group);
      if (kind === 'trigger') {
        const fired = topGroup.fired.get(key) ?? { trigger: objectOf(row) ?? '?', statement: statementKey(row), count: 0, ps: 0 };
        fired.count++;
        fired.ps += row.timerWait;
        topGroup.fired.set(key, fired);
      }
    }
    if (!stages) return;
    this.statementsWithStages++;
    // Innermost first: the deepest nested statement whose range holds the stage.
    const byDepth = [...nested].sort((a, b) => b.nestingLevel - a.nestingLevel || b.eventId - a.eventId);
    for (const stage of stages) {
      const owner = byDepth.find((row) => stage.eventId > row.eventId && stage.eventId <= row.endEventId);
      const ownerId = owner ? owner.eventId : top.eventId;
      if (stage.nestingEventId !== ownerId) this.stagesReattributed++;
      const group = owner ? nestedGroups.get(owner.eventId)! : topGroup;
      addStage(group, stage.eventName, stage.timerWait);
    }
    this.recordGaps(top, nested, stages, nestedGroups, topGroup);
  }

  /**
   * Time inside a statement that no stage covers (e.g. on MariaDB 10.6+ an autocommit INSERT's
   * wait for the redo log flush, after "Starting cleanup"): from the timers, as pseudo-stages.
   */
  private recordGaps(top: PsStatementRow, nested: PsStatementRow[], stages: PsStageRow[], nestedGroups: Map<number, Group>, topGroup: Group): void {
    const timed = (row: { timerStart?: number | null; timerEnd?: number | null }): boolean => typeof row.timerStart === 'number' && typeof row.timerEnd === 'number';
    if (!timed(top) || stages.length === 0 || !stages.every(timed)) return;
    const ordered = [...stages].sort((a, b) => a.eventId - b.eventId);
    const ownerOf = (eventId: number): Group => {
      const owner = [...nested].sort((a, b) => b.nestingLevel - a.nestingLevel).find((row) => eventId > row.eventId && eventId <= row.endEventId);
      return owner ? nestedGroups.get(owner.eventId)! : topGroup;
    };
    let previousEnd = top.timerStart!;
    let previousName: string | null = null;
    let previousOwner = topGroup;
    for (const stage of ordered) {
      // Stages never overlap (a nested statement's stages sit between its parent's), so a gap is time in no stage.
      const gap = stage.timerStart! - previousEnd;
      if (gap > 0) addStage(previousOwner, gapLabel(previousName), gap, false);
      previousEnd = stage.timerEnd!;
      previousName = stage.eventName;
      previousOwner = ownerOf(stage.eventId);
    }
    const tail = top.timerEnd! - previousEnd;
    if (tail > 0) addStage(previousOwner, gapLabel(previousName), tail, false);
  }

  private group(key: string, kind: Group['kind'], object?: string): Group {
    let group = this.groups.get(key);
    if (!group) {
      group = { statement: key, kind, firedBy: new Set(), count: 0, withStages: 0, totalPs: 0, withStagesPs: 0, maxPs: 0, rowsExamined: 0, stages: new Map(), fired: new Map() };
      if (object) group.object = object;
      this.groups.set(key, group);
    }
    return group;
  }

  private count(group: Group, row: PsStatementRow, withStages: boolean): void {
    group.count++;
    if (withStages) {
      group.withStages++;
      group.withStagesPs += row.timerWait;
    }
    group.totalPs += row.timerWait;
    group.maxPs = Math.max(group.maxPs, row.timerWait);
    group.rowsExamined += row.rowsExamined;
  }

  profiles(topStages = 8): StatementProfile[] {
    return [...this.groups.values()]
      .sort((a, b) => b.totalPs - a.totalPs || b.count - a.count)
      .map((group) => {
        const ownPs = [...group.stages.values()].reduce((sum, stage) => sum + stage.ps, 0);
        const profile: StatementProfile = {
          statement: group.statement,
          kind: group.kind,
          count: group.count,
          withStages: group.withStages,
          totalMs: ms(group.totalPs),
          avgMs: ms(group.totalPs / group.count),
          maxMs: ms(group.maxPs),
          avgMsWithStages: group.withStages ? ms(group.withStagesPs / group.withStages) : 0,
          avgRowsExamined: Math.round((group.rowsExamined / group.count) * 100) / 100,
          ownStageMs: ms(ownPs),
          firedTriggers: [...group.fired.values()].map((fired) => ({ trigger: fired.trigger, statement: fired.statement, count: fired.count, totalMs: ms(fired.ps) })),
          topStages: stageLines(group.stages, group.withStages, ownPs, topStages),
        };
        if (group.object) profile.object = group.object;
        if (group.firedBy.size) profile.firedBy = [...group.firedBy];
        return profile;
      });
  }
}

function addStage(group: Group, name: string, ps: number, call = true): void {
  const totals = group.stages.get(name) ?? { ps: 0, calls: 0 };
  totals.ps += ps;
  if (call) totals.calls++;
  group.stages.set(name, totals);
}

function ms(picoseconds: number): number {
  return Math.round((picoseconds / PS_PER_MS) * 1000) / 1000;
}

function stageLines(stages: Map<string, StageTotals>, statements: number, totalPs: number, top: number): StageLine[] {
  return [...stages.entries()]
    .sort((a, b) => b[1].ps - a[1].ps || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([stage, totals]) => ({
      stage,
      totalMs: ms(totals.ps),
      avgMs: ms(totals.ps / Math.max(1, statements)),
      calls: totals.calls,
      pct: totalPs > 0 ? Math.round((totals.ps / totalPs) * 1000) / 10 : 0,
    }));
}

// ---- text ----

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

// ---- performance_schema profiler ----

interface SavedSetup {
  instruments: Array<{ name: string; enabled: string; timed: string }>;
  consumers: Array<{ name: string; enabled: string }>;
}

async function restoreSetup(options: ConnectionOptions, saved: SavedSetup): Promise<void> {
  const connection = await connectControl(options, false);
  try {
    const combos = new Map<string, string[]>();
    for (const row of saved.instruments) {
      const key = `${row.enabled}/${row.timed}`;
      const names = combos.get(key) ?? [];
      names.push(row.name);
      combos.set(key, names);
    }
    for (const [key, names] of combos) {
      const [enabled, timed] = key.split('/');
      for (let i = 0; i < names.length; i += 500) {
        await connection.query('UPDATE performance_schema.setup_instruments SET ENABLED = ?, TIMED = ? WHERE NAME IN (?)', [enabled, timed, names.slice(i, i + 500)]);
      }
    }
    for (const row of saved.consumers) {
      await connection.query('UPDATE performance_schema.setup_consumers SET ENABLED = ? WHERE NAME = ?', [row.enabled, row.name]);
    }
  } finally {
    await connection.end().catch(() => undefined);
  }
}

class PsProfiler {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private undo: (() => Promise<void>) | null = null;
  private ownThread = 0;
  private historySize = { statements: 0, stages: 0 };
  private readonly attribution: StageAttribution;
  private readonly instances = new Map<string, PreparedInstance>();
  readonly notes: string[] = [];
  restored = false;

  constructor(
    private readonly connection: PromiseConnection,
    private readonly options: ConnectionOptions,
    private readonly pollMs: number,
  ) {
    this.attribution = new StageAttribution(options.database);
  }

  async start(): Promise<void> {
    const [instruments] = await this.connection.query("SELECT NAME AS name, ENABLED AS enabled, TIMED AS timed FROM performance_schema.setup_instruments WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%'");
    const [consumers] = await this.connection.query('SELECT NAME AS name, ENABLED AS enabled FROM performance_schema.setup_consumers WHERE NAME IN (?)', [CONSUMERS]);
    const saved: SavedSetup = { instruments: instruments as SavedSetup['instruments'], consumers: consumers as SavedSetup['consumers'] };
    this.undo = registerUndo(() => restoreSetup(this.options, saved));
    try {
      await this.connection.query("UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%'");
      await this.connection.query("UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN (?)", [CONSUMERS]);
    } catch (error) {
      await this.restore().catch(() => undefined);
      throw new Error(`stage profile: cannot update performance_schema.setup_* (needs UPDATE on performance_schema): ${message(error)}`);
    }
    for (const table of ['events_statements_history_long', 'events_stages_history_long']) {
      await this.connection.query(`TRUNCATE TABLE performance_schema.${table}`).catch((error: unknown) => this.notes.push(`TRUNCATE ${table} failed (${message(error)}): rows from before the run may be counted`));
    }
    const [threads] = await this.connection.query('SELECT THREAD_ID AS id FROM performance_schema.threads WHERE PROCESSLIST_ID = CONNECTION_ID()');
    this.ownThread = Number((threads as Array<{ id: number }>)[0]?.id ?? 0);
    const [sizes] = await this.connection.query('SELECT @@performance_schema_events_statements_history_long_size AS statements, @@performance_schema_events_stages_history_long_size AS stages');
    const size = (sizes as Array<{ statements: number; stages: number }>)[0]!;
    this.historySize = { statements: Number(size.statements), stages: Number(size.stages) };
    const [setup] = await this.connection.query("SELECT NAME AS name, ENABLED AS enabled FROM performance_schema.setup_consumers WHERE NAME IN ('global_instrumentation', 'thread_instrumentation', 'statements_digest')");
    for (const row of setup as Array<{ name: string; enabled: string }>) {
      if (row.enabled !== 'YES') this.notes.push(`consumer ${row.name} is ${row.enabled}${row.name === 'statements_digest' ? ': statements grouped by normalized SQL_TEXT instead of DIGEST_TEXT' : ': little or nothing will be recorded'}`);
    }
    const [actors] = await this.connection.query("SELECT COUNT(*) AS n FROM performance_schema.threads WHERE PROCESSLIST_DB = ? AND INSTRUMENTED = 'NO'", [this.options.database]);
    const uninstrumented = Number((actors as Array<{ n: number }>)[0]?.n ?? 0);
    if (uninstrumented > 0) this.notes.push(`${uninstrumented} connection(s) on ${this.options.database} are not instrumented (performance_schema.setup_actors): their statements are not seen`);
    await this.readPrepared(true);
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  /** Execution totals of the prepared statements alive now; `baseline`: what they held before the run. */
  private async readPrepared(baseline: boolean): Promise<void> {
    const [rows] = await this.connection.query(
      `SELECT ${CONTROL_MARK} OWNER_THREAD_ID AS threadId, STATEMENT_ID AS statementId, OBJECT_INSTANCE_BEGIN AS instance, SQL_TEXT AS sqlText,
              COUNT_EXECUTE AS count, SUM_TIMER_EXECUTE AS sum, MAX_TIMER_EXECUTE AS max, SUM_ROWS_EXAMINED AS rows_
       FROM performance_schema.prepared_statements_instances WHERE OWNER_THREAD_ID <> ?`,
      [this.ownThread],
    );
    for (const row of rows as Array<{ threadId: number; statementId: number; instance: number | string; sqlText: string | null; count: number; sum: number; max: number; rows_: number }>) {
      const key = `${row.threadId}/${row.statementId}/${row.instance}`;
      const text = row.sqlText ? normalizeStatement(String(row.sqlText)) : '(no text)';
      const now = { count: Number(row.count), sum: Number(row.sum), rows: Number(row.rows_) };
      let instance = this.instances.get(key);
      if (!instance) {
        instance = { threadId: Number(row.threadId), text, base: baseline ? now : { count: 0, sum: 0, rows: 0 }, count: 0, sum: 0, max: 0, rows: 0 };
        this.instances.set(key, instance);
      }
      Object.assign(instance, now, { max: Number(row.max) });
      if (row.sqlText) this.attribution.notePrepared(instance.threadId, String(row.sqlText));
    }
  }

  private preparedTotals(): PreparedStatementTotals[] {
    const byText = new Map<string, { executions: number; ps: number; max: number; rows: number; threads: Set<number> }>();
    for (const instance of this.instances.values()) {
      const executions = instance.count - instance.base.count;
      if (executions <= 0) continue;
      const totals = byText.get(instance.text) ?? { executions: 0, ps: 0, max: 0, rows: 0, threads: new Set<number>() };
      totals.executions += executions;
      totals.ps += instance.sum - instance.base.sum;
      totals.rows += instance.rows - instance.base.rows;
      totals.max = Math.max(totals.max, instance.max);
      totals.threads.add(instance.threadId);
      byText.set(instance.text, totals);
    }
    return [...byText.entries()]
      .map(([statement, totals]) => ({
        statement,
        executions: totals.executions,
        totalMs: ms(totals.ps),
        avgMs: ms(totals.ps / totals.executions),
        maxMs: ms(totals.max),
        avgRowsExamined: Math.round((totals.rows / totals.executions) * 100) / 100,
        connections: totals.threads.size,
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  poll(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const run = this.read()
      .catch((error: unknown) => {
        const line = `reading the history tables failed: ${message(error)}`;
        if (!this.notes.includes(line)) this.notes.push(line);
      })
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = run;
    return run;
  }

  private async read(): Promise<void> {
    // Statements first, then stages: a statement in the history has ended, so its stages are in
    // the stage history by the time the second read runs (unless the ring already dropped them).
    const [statements] = await this.connection.query(
      `SELECT ${CONTROL_MARK} THREAD_ID AS threadId, EVENT_ID AS eventId, END_EVENT_ID AS endEventId, EVENT_NAME AS eventName,
              IFNULL(TIMER_WAIT, 0) AS timerWait, TIMER_START AS timerStart, TIMER_END AS timerEnd, SQL_TEXT AS sqlText, DIGEST_TEXT AS digestText, CURRENT_SCHEMA AS currentSchema,
              OBJECT_TYPE AS objectType, OBJECT_SCHEMA AS objectSchema, OBJECT_NAME AS objectName,
              NESTING_EVENT_ID AS nestingEventId, IFNULL(NESTING_EVENT_LEVEL, 0) AS nestingLevel, ROWS_EXAMINED AS rowsExamined
       FROM performance_schema.events_statements_history_long
       WHERE THREAD_ID <> ? AND END_EVENT_ID IS NOT NULL`,
      [this.ownThread],
    );
    const [stages] = await this.connection.query(
      `SELECT ${CONTROL_MARK} THREAD_ID AS threadId, EVENT_ID AS eventId, EVENT_NAME AS eventName, IFNULL(TIMER_WAIT, 0) AS timerWait, TIMER_START AS timerStart, TIMER_END AS timerEnd, NESTING_EVENT_ID AS nestingEventId
       FROM performance_schema.events_stages_history_long WHERE THREAD_ID <> ?`,
      [this.ownThread],
    );
    // After the histories: an execution read there has ended, so its statement is already prepared.
    await this.readPrepared(false);
    this.attribution.add(
      (statements as Array<Record<string, unknown>>).map((row) => ({
        threadId: Number(row.threadId),
        eventId: Number(row.eventId),
        endEventId: Number(row.endEventId),
        eventName: String(row.eventName),
        timerWait: Number(row.timerWait),
        timerStart: row.timerStart === null ? null : Number(row.timerStart),
        timerEnd: row.timerEnd === null ? null : Number(row.timerEnd),
        sqlText: row.sqlText === null ? null : String(row.sqlText),
        digestText: row.digestText === null ? null : String(row.digestText),
        currentSchema: row.currentSchema === null ? null : String(row.currentSchema),
        objectType: row.objectType === null ? null : String(row.objectType),
        objectSchema: row.objectSchema === null ? null : String(row.objectSchema),
        objectName: row.objectName === null ? null : String(row.objectName),
        nestingEventId: row.nestingEventId === null ? null : Number(row.nestingEventId),
        nestingLevel: Number(row.nestingLevel),
        rowsExamined: Number(row.rowsExamined),
      })),
      (stages as Array<Record<string, unknown>>).map((row) => ({
        threadId: Number(row.threadId),
        eventId: Number(row.eventId),
        eventName: String(row.eventName),
        timerWait: Number(row.timerWait),
        timerStart: row.timerStart === null ? null : Number(row.timerStart),
        timerEnd: row.timerEnd === null ? null : Number(row.timerEnd),
        nestingEventId: row.nestingEventId === null ? null : Number(row.nestingEventId),
      })),
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.poll();
  }

  async restore(): Promise<void> {
    const undo = this.undo;
    this.undo = null;
    if (undo) {
      await undo();
      this.restored = true;
    }
  }

  summary(topStages: number): PsStageProfileSummary {
    const a = this.attribution;
    const notes = [...this.notes];
    if (a.statementsSeen > a.statementsWithStages) {
      notes.push(
        `${a.statementsSeen - a.statementsWithStages} of ${a.statementsSeen} statements lost stages (history ring of ${this.historySize.stages} rows overwritten between polls, or started before the hook): their times count, their stages do not`,
      );
    }
    const skewed = a.profiles().filter((p) => p.withStages >= 10 && p.withStages < p.count && Math.abs(p.avgMsWithStages - p.avgMs) > 0.25 * p.avgMs);
    if (skewed.length) {
      notes.push(
        `the statements that kept all their stages are not typical (${skewed.map((p) => `avg ${p.avgMsWithStages} ms with stages vs ${p.avgMs} ms over all for ${p.statement.slice(0, 60)}`).join('; ')}): ` +
          'read the stage shares, not their absolute times; raise performance_schema_events_stages_history_long_size (my.cnf, restart; ~20 stage rows per statement) or poll more often',
      );
    }
    if (a.stagesReattributed > 0) {
      notes.push(`${a.stagesReattributed} stage(s) had a NESTING_EVENT_ID other than the statement whose event-id range holds them (stages after a trigger's statement ended are nested under it by the server) and were given to the enclosing statement`);
    }
    if (a.untimed > 0) notes.push(`${a.untimed} statement(s) were not timed (TIMED = NO for their instrument)`);
    if (this.instances.size > 0) {
      notes.push(
        'MariaDB records no SQL text for executions of server-side prepared statements (statement/com/Execute): an execution is named by the statement its connection prepared, or "one of" them when the connection prepared several; preparedStatements has the exact per-statement totals (until the last poll, up to ' +
          `${this.pollMs} ms before the workers disconnected)`,
      );
    }
    if (a.statementsSeen === 0) notes.push(`no statement on ${this.options.database} was read: did the run send any, and are its connections instrumented?`);
    if (a.profiles().some((p) => p.topStages.some((line) => line.stage.startsWith('(no stage') && line.pct >= 10))) {
      notes.push(
        '"(no stage: after X)" is time inside the statement that no stage covers, from the event timers; under concurrent load an autocommit INSERT on MariaDB 10.11 spends it after "Starting cleanup", ' +
          'mostly the commit\'s redo log write/flush (on a test instance it fell from 55 % to 13 % of the INSERT\'s time with innodb_flush_log_at_trx_commit 1 → 2)',
      );
    }
    notes.push('times in ms (performance_schema picoseconds / 1e9); a statement\'s total includes the triggers it fired, its stage list does not');
    return {
      source: PS_LABEL,
      database: this.options.database,
      pollMs: this.pollMs,
      historySize: this.historySize,
      statementsSeen: a.statementsSeen,
      statementsWithStages: a.statementsWithStages,
      stagesReattributed: a.stagesReattributed,
      statements: a.profiles(topStages).slice(0, TOP_STATEMENTS),
      preparedStatements: this.preparedTotals(),
      restored: this.restored,
      file: STAGES_FILE,
      notes,
    };
  }
}

// ---- SET profiling fallback ----

class ProfilingFallback {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private lastQueryId = 0;
  private replayed = 0;
  private profiled = 0;
  private totalSec = 0;
  private readonly stages = new Map<string, StageTotals>();
  private readonly recordedAs = new Set<string>();
  readonly notes: string[] = [];

  constructor(
    private readonly connection: PromiseConnection,
    private readonly sample: NonNullable<StageProfileOptions['sample']> | undefined,
    private readonly replays: number,
    private readonly everyMs: number,
  ) {}

  async start(): Promise<void> {
    if (!this.sample) {
      this.notes.push('no sample statement was given (stageProfileHook({ sample: { sql, params } })): nothing to profile');
      return;
    }
    const [rows] = await this.connection.query('SELECT @@have_profiling AS have');
    if (String((rows as Array<{ have: string }>)[0]?.have) !== 'YES') {
      this.notes.push('this server was built without profiling (have_profiling != YES): SET profiling records nothing');
      return;
    }
    const [triggers] = await this.connection.query('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
    const triggerCount = Number((triggers as Array<{ n: number }>)[0]?.n ?? 0);
    if (triggerCount > 0) {
      this.notes.push(`the database has ${triggerCount} trigger(s): for a statement that fires one, SET profiling records the trigger's statement instead (seed); only performance_schema attributes stages right`);
    }
    if (this.sample.rollback) this.notes.push('each replay runs in a transaction that is rolled back: no rows are kept, but Com_* counters still count it and no commit stage is measured');
    else if (/^\s*(insert|update|delete|replace)\b/i.test(this.sample.sql)) this.notes.push('the sample writes and is not rolled back: its rows stay in the table and count in the server counters');
    // SESSION variables: only this connection is profiled.
    await this.connection.query('SET SESSION profiling = 1, SESSION profiling_history_size = 100');
    await this.replay();
    this.timer = setInterval(() => {
      if (this.replayed >= this.replays) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
      } else if (!this.inFlight) void this.replay();
    }, this.everyMs);
  }

  private replay(): Promise<void> {
    const run = this.replayOnce()
      .catch((error: unknown) => {
        const line = `replay failed: ${message(error)}`;
        if (!this.notes.includes(line)) this.notes.push(line);
      })
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = run;
    return run;
  }

  private async replayOnce(): Promise<void> {
    const sample = this.sample!;
    this.replayed++;
    if (sample.rollback) await this.connection.query('BEGIN');
    try {
      await this.connection.execute(sample.sql, (sample.params ?? []) as never);
    } finally {
      if (sample.rollback) await this.connection.query('ROLLBACK');
    }
    const [profiles] = await this.connection.query('SHOW PROFILES');
    const fresh = (profiles as Array<{ Query_ID: number; Duration: number | string; Query: string }>).filter((row) => row.Query_ID > this.lastQueryId);
    if (fresh.length === 0) return;
    this.lastQueryId = Math.max(...fresh.map((row) => row.Query_ID));
    const candidates = fresh.filter((row) => !row.Query.includes(CONTROL_MARK) && !/^\s*(BEGIN|ROLLBACK)\s*$/i.test(row.Query));
    let chosen = candidates.filter((row) => row.Query === sample.sql);
    if (chosen.length === 0 && candidates.length > 0) {
      // The sample did not appear under its own text: a trigger's statement took its place.
      chosen = candidates;
      for (const row of candidates) this.recordedAs.add(row.Query.replace(/\s+/g, ' ').trim());
    }
    if (chosen.length === 0) return;
    const ids = chosen.map((row) => row.Query_ID);
    const [states] = await this.connection.query(`SELECT ${CONTROL_MARK} QUERY_ID AS id, STATE AS state, DURATION AS duration FROM information_schema.PROFILING WHERE QUERY_ID IN (?)`, [ids]);
    for (const row of states as Array<{ id: number; state: string; duration: string | number }>) {
      const seconds = Number(row.duration);
      const totals = this.stages.get(row.state) ?? { ps: 0, calls: 0 };
      totals.ps += seconds * 1e12;
      totals.calls++;
      this.stages.set(row.state, totals);
    }
    this.profiled++;
    this.totalSec += chosen.reduce((sum, row) => sum + Number(row.Duration), 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    if (this.sample) await this.connection.query('SET SESSION profiling = 0').catch(() => undefined);
  }

  summary(topStages: number): FallbackStageProfileSummary {
    const stagePs = [...this.stages.values()].reduce((sum, stage) => sum + stage.ps, 0);
    const notes = [...this.notes];
    notes.push('this profiles one sampled statement on the hook\'s own connection, not the workers\' statements; durations in ms');
    if (this.recordedAs.size) notes.push('SHOW PROFILES did not record the sample itself but the statement(s) above: the stages are the trigger\'s, not the firing statement\'s');
    return {
      source: FALLBACK_LABEL,
      performanceSchema: 'OFF',
      howToEnable: HOW_TO_ENABLE_PS,
      sample: this.sample?.sql ?? null,
      replays: this.replayed,
      profiled: this.profiled,
      recordedAs: [...this.recordedAs],
      totalMs: Math.round(this.totalSec * 1e6) / 1000,
      avgMs: this.profiled ? Math.round((this.totalSec / this.profiled) * 1e6) / 1000 : 0,
      topStages: stageLines(this.stages, this.profiled, stagePs, topStages),
      file: STAGES_FILE,
      notes,
    };
  }
}

// ---- the hook ----

export function stageProfileHook(options: StageProfileOptions = {}): RunHook {
  const replays = options.replays ?? 20;
  const everyMs = options.everyMs ?? 1000;
  const pollMs = options.pollMs ?? 200;
  const topStages = options.topStages ?? 8;
  if (!Number.isInteger(replays) || replays < 1) throw new Error(`stage profile replays ${replays}: must be a whole number from 1`);
  if (!(everyMs >= 10) || !(pollMs >= 10)) throw new Error('stage profile: everyMs and pollMs must be at least 10 ms');
  let connection: PromiseConnection | null = null;
  let profiler: PsProfiler | ProfilingFallback | null = null;
  return {
    name: 'stageProfile',
    // One that reads (or replays), plus a short-lived one that restores performance_schema's setup.
    connections: 2,
    async start(ctx: HookContext) {
      connection = await connectControl(ctx.connection);
      try {
        const [rows] = await connection.query('SELECT @@performance_schema AS ps');
        const on = Number((rows as Array<{ ps: number | string }>)[0]?.ps) === 1;
        if (on) {
          profiler = new PsProfiler(connection, ctx.connection, pollMs);
          await profiler.start();
          ctx.log('stage profile: performance_schema statement/stage instruments and history consumers on for the run');
        } else {
          profiler = new ProfilingFallback(connection, options.sample, replays, everyMs);
          await profiler.start();
          ctx.log(`stage profile: performance_schema is OFF; ${FALLBACK_LABEL}${options.sample ? '' : ' has no sample statement'}`);
        }
      } catch (error) {
        if (profiler instanceof PsProfiler) await profiler.restore().catch(() => undefined);
        await connection.end().catch(() => undefined);
        connection = null;
        profiler = null;
        throw error;
      }
    },
    async stop(ctx: HookStopContext): Promise<StageProfileSummary | undefined> {
      if (!profiler) return undefined;
      try {
        await profiler.stop();
      } finally {
        if (profiler instanceof PsProfiler) {
          await profiler.restore().catch((error: unknown) => (profiler as PsProfiler).notes.push(`could not restore performance_schema setup: ${message(error)}`));
        }
        await connection?.end().catch(() => undefined);
      }
      const summary = profiler.summary(topStages);
      ctx.folder.writeAtomic(STAGES_FILE, stageProfileText(summary));
      return summary;
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
