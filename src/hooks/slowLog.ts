/**
 * The seed's slow log, to a table, for the length of a run: GLOBAL log_output='TABLE',
 * slow_query_log=ON, long_query_time=<s>, all three put back afterwards (journalled first, so a
 * forced exit puts them back too, and the next innobench after a kill reports them). At stop, the run's rows of mysql.slow_log
 * (ended inside the run's window, `db` = the run's database) go to slow-log.csv and are summarised
 * by statement shape (literals → ?).
 *
 * Sessions copy these settings when they connect: on MariaDB both slow_query_log and
 * long_query_time are session variables initialised from the globals at connect time (MySQL: only
 * long_query_time; its slow_query_log is global). A worker connected before the hook started keeps
 * logging nothing, so the hook counts such sessions and says so in its notes.
 */
import { stringify } from 'csv-stringify/sync';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { normalizeStatement } from '../sql/normalize.js';
import { serverJournal } from '../serverState/journal.js';
import type { JournalEntry } from '../serverState/journalTable.js';
import type { HookContext, HookStopContext, RunHook } from '../engine/runHooks.js';
import { errorMessage as message } from '../db/errors.js';

export const SLOW_LOG_FILE = 'slow-log.csv';
const SQL_TEXT_CSV_CHARS = 2048;
const DEFAULT_MAX_ROWS = 200_000;
const SUMMARY_STATEMENTS = 50;

export interface SlowLogOptions {
  /** Rows read back from mysql.slow_log at most (default 200 000). */
  maxRows?: number;
}

export interface SlowLogRow {
  /** Seconds since the epoch; MariaDB writes the time the statement ended. */
  ts: number;
  startTime: string;
  userHost: string;
  querySec: number;
  lockSec: number;
  rowsSent: number;
  rowsExamined: number;
  rowsAffected: number;
  db: string;
  threadId: number;
  sqlText: string;
}

export interface SlowStatement {
  statement: string;
  count: number;
  totalSec: number;
  avgSec: number;
  maxSec: number;
  avgLockSec: number;
  avgRowsExamined: number;
  maxRowsExamined: number;
  avgRowsSent: number;
  /** Distinct connections that ran it. */
  sessions: number;
}

export interface SlowLogSettings {
  log_output: string;
  slow_query_log: 'ON' | 'OFF';
  long_query_time: number;
}

export interface SlowLogSummary {
  longQueryTimeSec: number;
  database: string;
  /** Server clock, seconds since the epoch. */
  window: { from: number; to: number };
  rows: number;
  truncated: boolean;
  statementsDistinct: number;
  /** Top statements by total time. */
  statements: SlowStatement[];
  previous: SlowLogSettings;
  restored: boolean;
  /** Connections to the run's database that existed when the hook switched the log on. */
  sessionsConnectedBefore: number;
  sessionsLogged: number;
  file: string;
  notes: string[];
}

/** Groups slow-log rows by statement shape, the largest total time first. */
export function summarizeSlowLog(rows: SlowLogRow[]): SlowStatement[] {
  const groups = new Map<string, { rows: SlowLogRow[]; threads: Set<number> }>();
  for (const row of rows) {
    const key = normalizeStatement(row.sqlText);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { rows: [], threads: new Set() }));
    group.rows.push(row);
    group.threads.add(row.threadId);
  }
  const round = (value: number, digits = 6): number => Number(value.toFixed(digits));
  return [...groups.entries()]
    .map(([statement, { rows: members, threads }]) => {
      const total = members.reduce((sum, row) => sum + row.querySec, 0);
      const examined = members.reduce((sum, row) => sum + row.rowsExamined, 0);
      return {
        statement,
        count: members.length,
        totalSec: round(total),
        avgSec: round(total / members.length),
        maxSec: round(Math.max(...members.map((row) => row.querySec))),
        avgLockSec: round(members.reduce((sum, row) => sum + row.lockSec, 0) / members.length),
        avgRowsExamined: round(examined / members.length, 2),
        maxRowsExamined: Math.max(...members.map((row) => row.rowsExamined)),
        avgRowsSent: round(members.reduce((sum, row) => sum + row.rowsSent, 0) / members.length, 2),
        sessions: threads.size,
      };
    })
    .sort((a, b) => b.totalSec - a.totalSec || b.count - a.count);
}

export function slowLogCsv(rows: SlowLogRow[]): string {
  const columns = ['start_time', 'ts', 'query_sec', 'lock_sec', 'rows_sent', 'rows_examined', 'rows_affected', 'db', 'thread_id', 'user_host', 'sql_text'];
  const records = rows.map((row) => [
    row.startTime,
    row.ts.toFixed(6),
    row.querySec.toFixed(6),
    row.lockSec.toFixed(6),
    row.rowsSent,
    row.rowsExamined,
    row.rowsAffected,
    row.db,
    row.threadId,
    row.userHost,
    row.sqlText.length > SQL_TEXT_CSV_CHARS ? `${row.sqlText.slice(0, SQL_TEXT_CSV_CHARS)}…(+${row.sqlText.length - SQL_TEXT_CSV_CHARS} chars)` : row.sqlText,
  ]);
  return stringify(records, { header: true, columns });
}

async function readSettings(connection: PromiseConnection): Promise<SlowLogSettings & { version: string; generalLog: number; now: number }> {
  const [rows] = await connection.query(
    'SELECT @@global.log_output AS logOutput, @@global.slow_query_log AS slowLog, @@global.long_query_time AS longQueryTime, @@global.general_log AS generalLog, VERSION() AS version, UNIX_TIMESTAMP(NOW(6)) AS now',
  );
  const row = (rows as Array<{ logOutput: string; slowLog: number | string; longQueryTime: number | string; generalLog: number | string; version: string; now: string | number }>)[0]!;
  return {
    log_output: String(row.logOutput),
    slow_query_log: Number(row.slowLog) === 1 ? 'ON' : 'OFF',
    long_query_time: Number(row.longQueryTime),
    generalLog: Number(row.generalLog),
    version: String(row.version),
    now: Number(row.now),
  };
}

async function serverNow(connection: PromiseConnection): Promise<number> {
  const [rows] = await connection.query('SELECT UNIX_TIMESTAMP(NOW(6)) AS now');
  return Number((rows as Array<{ now: string }>)[0]!.now);
}

async function readRows(connection: PromiseConnection, database: string, from: number, to: number, limit: number): Promise<SlowLogRow[]> {
  const [rows] = await connection.query(
    `SELECT UNIX_TIMESTAMP(start_time) AS ts, CAST(start_time AS CHAR) AS startTime, user_host AS userHost,
            TIME_TO_SEC(query_time) AS querySec, TIME_TO_SEC(lock_time) AS lockSec,
            rows_sent AS rowsSent, rows_examined AS rowsExamined, rows_affected AS rowsAffected,
            db, thread_id AS threadId, sql_text AS sqlText
     FROM mysql.slow_log
     WHERE db = ? AND UNIX_TIMESTAMP(start_time) BETWEEN ? AND ?
     ORDER BY start_time
     LIMIT ?`,
    [database, from, to, limit],
  );
  return (rows as Array<Record<string, unknown>>).map((row) => ({
    ts: Number(row.ts),
    startTime: String(row.startTime),
    userHost: String(row.userHost),
    querySec: Number(row.querySec),
    lockSec: Number(row.lockSec),
    rowsSent: Number(row.rowsSent),
    rowsExamined: Number(row.rowsExamined),
    rowsAffected: Number(row.rowsAffected ?? 0),
    db: String(row.db),
    threadId: Number(row.threadId),
    sqlText: Buffer.isBuffer(row.sqlText) ? row.sqlText.toString('utf8') : String(row.sqlText),
  }));
}

/** The slow log as a run hook. `longQueryTimeSec` may be 0 (every statement). */
export function slowLogHook(longQueryTimeSec: number, options: SlowLogOptions = {}): RunHook {
  if (!Number.isFinite(longQueryTimeSec) || longQueryTimeSec < 0 || longQueryTimeSec > 31_536_000) {
    throw new Error(`slow log long_query_time ${longQueryTimeSec}: must be between 0 and 31536000 seconds`);
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  let previous: SlowLogSettings | null = null;
  let change: GlobalsChange | null = null;
  let windowFrom = 0;
  let sessionsBefore = 0;
  const notes: string[] = [];

  const restore = async (): Promise<boolean> => {
    const made = change;
    change = null;
    if (!made) return previous !== null;
    await serverJournal(made.options).restore(made.entry);
    return true;
  };

  return {
    name: 'slowLog',
    // One of its own at start and stop, plus the journal's (shared by every hook), which sets and restores the globals.
    connections: 2,
    async start(ctx: HookContext) {
      notes.length = 0;
      const connection = await connectControl(ctx.connection);
      try {
        const before = await readSettings(connection);
        previous = { log_output: before.log_output, slow_query_log: before.slow_query_log, long_query_time: before.long_query_time };
        windowFrom = before.now;
        change = await switchOn(ctx.connection, longQueryTimeSec);
        sessionsBefore = await otherSessions(connection, ctx.connection.database);
        notes.push(...startNotes(before, sessionsBefore, ctx.connection.database));
        ctx.log(`slow log: log_output=TABLE, slow_query_log=ON, long_query_time=${longQueryTimeSec}s for the run (was ${previous.log_output}, ${previous.slow_query_log}, ${previous.long_query_time}s)`);
      } catch (error) {
        await restore().catch(() => undefined);
        throw error;
      } finally {
        await connection.end().catch(() => undefined);
      }
    },
    async stop(ctx: HookStopContext): Promise<SlowLogSummary | { error: string; restored: boolean; notes: string[] } | undefined> {
      if (!previous) return undefined;
      let restored = false;
      let restoreError: string | null = null;
      try {
        // Restore first: the reading below is then not logged, and a failed read cannot leave the log on.
        restored = await restore();
      } catch (error) {
        restoreError = message(error);
      }
      try {
        const read = await readRunRows(ctx, windowFrom, maxRows);
        ctx.folder.writeAtomic(SLOW_LOG_FILE, slowLogCsv(read.rows));
        return summary({ ...read, longQueryTimeSec, maxRows, database: ctx.connection.database, windowFrom, previous, restored, restoreError, sessionsBefore, notes });
      } catch (error) {
        return { error: `slow log not read: ${message(error)}`, restored, notes: restoreError ? [...notes, restoreNote(restoreError)] : [...notes] };
      }
    },
  };
}

interface GlobalsChange {
  options: ConnectionOptions;
  entry: JournalEntry | null;
}

/** Sets the three globals through the journal, so that a forced exit or the next innobench puts them back. */
async function switchOn(options: ConnectionOptions, longQueryTimeSec: number): Promise<GlobalsChange> {
  const journal = serverJournal(options);
  // Refusals (another innobench holds changes, leftovers of a killed one) pass as they are.
  await journal.acquire();
  try {
    return { options, entry: await journal.setGlobals({ log_output: 'TABLE', slow_query_log: 'ON', long_query_time: longQueryTimeSec }, 'slow log') };
  } catch (error) {
    throw new Error(`slow log: cannot set the server's globals (SET GLOBAL needs SUPER or SYSTEM_VARIABLES_ADMIN): ${message(error)}`);
  }
}

async function otherSessions(connection: PromiseConnection, database: string): Promise<number> {
  const [rows] = await connection.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [database]);
  return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
}

/** What the new settings do not reach: sessions connected before, and the general log moved along. */
function startNotes(before: SlowLogSettings & { version: string; generalLog: number }, sessionsBefore: number, database: string): string[] {
  const notes: string[] = [];
  if (sessionsBefore > 0) {
    notes.push(
      `${sessionsBefore} session(s) on ${database} were connected before the slow log was switched on: ` +
        (/mariadb/i.test(before.version)
          ? `MariaDB copies slow_query_log and long_query_time into a session when it connects, so those sessions log nothing (they keep slow_query_log=${before.slow_query_log}, long_query_time=${before.long_query_time}s)`
          : `MySQL copies long_query_time into a session when it connects, so those sessions keep long_query_time=${before.long_query_time}s`) +
        '; only connections opened after the hook started follow the new settings',
    );
  }
  if (before.generalLog === 1 && !/TABLE/i.test(before.log_output)) {
    notes.push('general_log is ON: log_output=TABLE also moved it to mysql.general_log for the run');
  }
  return notes;
}

/** The run's rows, up to maxRows; one more is asked for to know whether there were more. */
async function readRunRows(ctx: HookStopContext, windowFrom: number, maxRows: number): Promise<{ rows: SlowLogRow[]; windowTo: number; truncated: boolean }> {
  const connection = await connectControl(ctx.connection);
  try {
    const windowTo = await serverNow(connection);
    const rows = await readRows(connection, ctx.connection.database, windowFrom, windowTo, maxRows + 1);
    const truncated = rows.length > maxRows;
    if (truncated) rows.length = maxRows;
    return { rows, windowTo, truncated };
  } finally {
    await connection.end().catch(() => undefined);
  }
}

interface SummaryInput {
  rows: SlowLogRow[];
  windowTo: number;
  truncated: boolean;
  longQueryTimeSec: number;
  maxRows: number;
  database: string;
  windowFrom: number;
  previous: SlowLogSettings;
  restored: boolean;
  restoreError: string | null;
  sessionsBefore: number;
  notes: string[];
}

function summary(input: SummaryInput): SlowLogSummary {
  const { rows, truncated, maxRows, database, longQueryTimeSec } = input;
  const statements = summarizeSlowLog(rows);
  const notes = [...input.notes];
  if (truncated) notes.push(`more than ${maxRows} rows: only the first ${maxRows} were read`);
  if (input.restoreError) notes.push(restoreNote(input.restoreError));
  if (rows.length === 0) notes.push(`no statement on ${database} took ${longQueryTimeSec}s or more on a connection opened after the hook started`);
  notes.push('mysql.slow_log start_time is when a statement ended (MariaDB); the window is the server clock from hook start to stop');
  return {
    longQueryTimeSec,
    database,
    window: { from: input.windowFrom, to: input.windowTo },
    rows: rows.length,
    truncated,
    statementsDistinct: statements.length,
    statements: statements.slice(0, SUMMARY_STATEMENTS),
    previous: input.previous,
    restored: input.restored,
    sessionsConnectedBefore: input.sessionsBefore,
    sessionsLogged: new Set(rows.map((row) => row.threadId)).size,
    file: SLOW_LOG_FILE,
    notes,
  };
}

function restoreNote(restoreError: string): string {
  return `could not restore the slow log settings: ${restoreError}`;
}
