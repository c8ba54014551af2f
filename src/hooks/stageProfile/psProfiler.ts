/**
 * The performance_schema source: the statement and stage instruments and the history consumers
 * are switched on for the run (their previous rows journalled first, so that any exit puts them
 * back, and after a kill the next innobench reports them), the history tables truncated, then read every
 * `pollMs` while the load runs. The history tables are rings
 * (performance_schema_events_*_history_long_size rows): a busy server overwrites rows between
 * polls, so the profile is a sample; a statement counts towards the stage breakdown only when
 * every one of its events was read (its event ids, EVENT_ID+1 … END_EVENT_ID, are all stages or
 * nested statements).
 */
import type { ConnectionOptions } from '../../config/connection.js';
import type { PromiseConnection } from '../../db/connect.js';
import { errorMessage as message } from '../../db/errors.js';
import { normalizeStatement } from '../../sql/normalize.js';
import { StageAttribution, ms } from '../../analysis/server/stageAttribution.js';
import { serverJournal } from '../../serverState/journal.js';
import type { JournalEntry } from '../../serverState/journalTable.js';
import { boundStatement } from '../../serverState/statements.js';
import { CONTROL_MARK, PS_LABEL, STAGES_FILE, type PreparedStatementTotals, type PsStageProfileSummary } from './profile.js';

const CONSUMERS = ['events_statements_current', 'events_statements_history_long', 'events_stages_current', 'events_stages_history_long'];
const TOP_STATEMENTS = 20;

interface PreparedInstance {
  threadId: number;
  text: string;
  base: { count: number; sum: number; rows: number };
  count: number;
  sum: number;
  max: number;
  rows: number;
}


interface SavedSetup {
  instruments: Array<{ name: string; enabled: string; timed: string }>;
  consumers: Array<{ name: string; enabled: string }>;
}

/**
 * The statements that put the setup rows back, as data for the journal: the instruments grouped by
 * their (ENABLED, TIMED) pair, 500 names a statement; only rows that the profiler changes.
 */
function setupUndoSql(saved: SavedSetup): string[] {
  const combos = new Map<string, string[]>();
  for (const row of saved.instruments) {
    if (row.enabled === 'YES' && row.timed === 'YES') continue;
    const key = `${row.enabled}/${row.timed}`;
    combos.set(key, [...(combos.get(key) ?? []), row.name]);
  }
  const statements: string[] = [];
  for (const [key, names] of combos) {
    const [enabled, timed] = key.split('/');
    for (let i = 0; i < names.length; i += 500) {
      statements.push(boundStatement('UPDATE performance_schema.setup_instruments SET ENABLED = ?, TIMED = ? WHERE NAME IN (?)', [enabled, timed, names.slice(i, i + 500)]));
    }
  }
  for (const row of saved.consumers) {
    if (row.enabled !== 'YES') statements.push(boundStatement('UPDATE performance_schema.setup_consumers SET ENABLED = ? WHERE NAME = ?', [row.enabled, row.name]));
  }
  return statements;
}

export class PsProfiler {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private setupChange: JournalEntry | null = null;
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
    const undoSql = setupUndoSql(saved);
    const changed = saved.instruments.filter((row) => row.enabled !== 'YES' || row.timed !== 'YES').length + saved.consumers.filter((row) => row.enabled !== 'YES').length;
    if (undoSql.length) {
      this.setupChange = await serverJournal(this.options).record({
        kind: 'performance_schema',
        description: `${changed} setup_instruments/setup_consumers row(s) of statement/% and stage/% set ENABLED (and TIMED) = YES`,
        undoSql,
      });
    }
    try {
      await this.connection.query("UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%'");
    } catch (error) {
      // Refused: nothing changed, so nothing to undo (an undo refused alike would linger as a leftover).
      await serverJournal(this.options).discard(this.setupChange).catch(() => undefined);
      this.setupChange = null;
      throw new Error(`stage profile: cannot update performance_schema.setup_* (needs UPDATE on performance_schema): ${message(error)}`);
    }
    try {
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

  /** Puts the setup rows back (nothing to do when every one was already on). */
  async restore(): Promise<void> {
    const change = this.setupChange;
    this.setupChange = null;
    await serverJournal(this.options).restore(change);
    this.restored = true;
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
