/**
 * Parser for InnoDB deadlock reports: the LATEST DETECTED DEADLOCK section of
 * SHOW ENGINE INNODB STATUS, and the dumps the server writes to its error log when
 * innodb_print_all_deadlocks=ON. Pure text in, plain data out; nothing here talks to a server.
 *
 * The two server families print the same body with one structural difference:
 * - MySQL prints, per transaction, "*** (N) HOLDS THE LOCK(S):" and "*** (N) WAITING FOR THIS LOCK TO BE GRANTED:".
 * - MariaDB (10.6+) prints no holds section. Under each transaction it prints the lock it waits for
 *   ("*** WAITING FOR ...", no number) and then "*** CONFLICTING WITH:", the locks in its way, each
 *   tagged with its owner's trx id. The locks a transaction holds are recovered from those lists.
 */
import { normalizeStatement } from '../../sql/normalize.js';
import { locksIn, ownedLocksIn, type LockInfo, type OwnedLock } from './lockLines.js';

export type DeadlockSource = 'innodb-status' | 'error-log';

export interface DeadlockTransaction {
  /** N of "*** (N) TRANSACTION:", the number the victim line refers to. */
  ordinal: number;
  /** InnoDB transaction id, from "TRANSACTION 43260, ACTIVE ...". */
  id: string;
  /** Connection id, from "MySQL thread id 19, ..." or "MariaDB thread id 16, ...". */
  threadId?: string;
  /** The statement's query id from the same line ("query id 143"): new for every statement a connection runs. */
  queryId?: string;
  /** The statement the transaction was running, as printed (InnoDB truncates long ones). */
  query?: string;
  holds: LockInfo[];
  waitsFor: LockInfo[];
}

export interface ParsedDeadlock {
  /**
   * Timestamp as printed, without zone conversion: "2022-11-25 15:58:22" from the status section,
   * the log line's own stamp for error-log dumps (ISO 8601 on MySQL 8). '' when the text has none.
   */
  time: string;
  transactions: DeadlockTransaction[];
  /** Ordinal of the transaction InnoDB rolled back; null when the report names none. */
  victim: number | null;
  source: DeadlockSource;
}

export interface ShapeSummary {
  shape: string;
  count: number;
  /** The first deadlock seen with this shape. */
  example: ParsedDeadlock;
}

const DASHED_LINE = /^-{3,}$/;
const STATUS_SECTION_TITLE = /^[A-Z][A-Z /]*$/;
const SECTION_HEADER =
  /^\*\*\* (?:\((\d+)\) )?(TRANSACTION|HOLDS THE LOCK\(S\)|WAITING FOR THIS LOCK TO BE GRANTED|CONFLICTING WITH):$/;
const ROLLBACK_LINE = /^\*\*\* WE ROLL BACK TRANSACTION \((\d+)\)$/;
const TRANSACTION_LINE = /^TRANSACTION ([^,]+),/;
const THREAD_LINE = /^(?:MySQL|MariaDB) thread id (\d+)/;
const QUERY_ID = /\bquery id (\d+)/;
/** "2022-11-25 15:58:22", "2026-11-23  2:41:09" (MariaDB log), "2022-11-25T15:58:22.610212Z" (MySQL 8 log). */
const DATE_TIME = String.raw`\d{4}-\d{2}-\d{2}[T ] ?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?`;
/** A line starting with a timestamp; servers before MySQL 5.6 printed "111212 22:52:42". */
const TIMESTAMP = new RegExp(String.raw`^(${DATE_TIME}|\d{6} +\d{1,2}:\d{2}:\d{2})`);
const DEADLOCK_DUMP_START = /transactions deadlock detected, dumping detailed information/i;
/**
 * The server's own prefix on an error-log line: "2026-11-23  2:41:09 16 [Note] InnoDB: " (MariaDB, MySQL 5.7)
 * or "2022-11-25T15:58:22.610251Z 0 [Note] [MY-012469] [InnoDB] " (MySQL 8). Group 2 is set when InnoDB wrote it.
 */
const LOG_LINE_PREFIX = new RegExp(String.raw`^(${DATE_TIME}) +\d+ \[\w+\] (?:(\[MY-\d+\] \[InnoDB\]|InnoDB:) ?)?`);
/** Long statements are cut in deadlocks.txt; the parsed deadlock keeps the full text. */
const QUERY_PREVIEW_CHARS = 300;

/** The LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS output, or null when it has none. */
export function extractLatestDeadlock(innodbStatusText: string): string | null {
  const lines = splitLines(innodbStatusText);
  const titleAt = lines.findIndex((line) => line.trim() === 'LATEST DETECTED DEADLOCK');
  if (titleAt < 0) return null;
  const bodyStart = DASHED_LINE.test(lineAt(lines, titleAt + 1)) ? titleAt + 2 : titleAt + 1;
  let bodyEnd = bodyStart;
  while (bodyEnd < lines.length && !startsNextStatusSection(lines, bodyEnd)) bodyEnd++;
  const body = lines.slice(bodyStart, bodyEnd).join('\n').trim();
  return body === '' ? null : body;
}

/** Parses one deadlock report body: a status section, or one dump with its log prefixes removed. */
export function parseDeadlock(sectionText: string, source: DeadlockSource): ParsedDeadlock {
  return parseReportLines(splitLines(sectionText), source, '');
}

/** Every deadlock dump in a server error log, oldest first. */
export function parseErrorLogDeadlocks(errorLogText: string): ParsedDeadlock[] {
  return collectLogDumps(errorLogText).map((dump) => parseReportLines(dump.lines, 'error-log', dump.time));
}

/**
 * A key equal for deadlocks that differ only in ids, timestamps and literal values: per transaction
 * its statement with literals replaced by `?` and the kinds of lock it holds and waits for. The
 * victim is left out because InnoDB picks it by undo size, which varies between runs of one pattern.
 */
export function deadlockShape(d: ParsedDeadlock): string {
  return d.transactions.map(transactionShape).sort().join('\n');
}

/** Deadlocks grouped by shape, most frequent first (ties in shape order, so the output is stable). */
export function summarizeShapes(ds: ParsedDeadlock[]): ShapeSummary[] {
  const byShape = new Map<string, ShapeSummary>();
  for (const d of ds) {
    const shape = deadlockShape(d);
    const seen = byShape.get(shape);
    if (seen) seen.count++;
    else byShape.set(shape, { shape, count: 1, example: d });
  }
  return [...byShape.values()].sort((a, b) => b.count - a.count || compareText(a.shape, b.shape));
}

/** A short block for deadlocks.txt: when, who was rolled back, and per transaction its statement and locks. */
export function formatDeadlockText(d: ParsedDeadlock): string {
  const victim = d.victim === null ? 'none reported' : `(${d.victim})`;
  const lines = [`deadlock at ${d.time || 'unknown time'} [${d.source}], rolled back: ${victim}`];
  for (const trx of d.transactions) {
    const thread = trx.threadId ? `, thread ${trx.threadId}` : '';
    const rolledBack = trx.ordinal === d.victim ? '  <- rolled back' : '';
    lines.push(`  (${trx.ordinal}) trx ${trx.id}${thread}${rolledBack}`);
    lines.push(`      query: ${trx.query ? previewQuery(trx.query) : '(none printed)'}`);
    lines.push(`      holds: ${describeLocks(trx.holds)}`);
    lines.push(`      waits: ${describeLocks(trx.waitsFor)}`);
  }
  return lines.join('\n');
}

/** The lock in performance_schema.data_locks vocabulary: "RECORD X,GAP,INSERT_INTENTION test.t index idx". */
export function describeLock(lock: LockInfo): string {
  const flags = [lock.gap && 'GAP', lock.recordOnly && 'REC_NOT_GAP', lock.insertIntention && 'INSERT_INTENTION'];
  const mode = [lock.mode, ...flags.filter((flag) => flag !== false)].join(',');
  const index = lock.index ? ` index ${lock.index}` : '';
  return `${lock.lockType} ${mode} ${lock.table ?? '?'}${index}`;
}

// ---- status section ----

function startsNextStatusSection(lines: string[], at: number): boolean {
  if (lineAt(lines, at).startsWith('END OF INNODB MONITOR OUTPUT')) return true;
  return (
    DASHED_LINE.test(lineAt(lines, at)) &&
    STATUS_SECTION_TITLE.test(lineAt(lines, at + 1)) &&
    DASHED_LINE.test(lineAt(lines, at + 2))
  );
}

// ---- report body ----

type BlockKind = 'preamble' | 'transaction' | 'holds' | 'waits' | 'conflicting' | 'rollback';

/** A "*** ..." header and the lines up to the next one. */
interface Block {
  kind: BlockKind;
  /** The (N) of the header; absent on MariaDB's per-transaction headers, which follow their transaction. */
  ordinal?: number;
  lines: string[];
}

const HEADER_KINDS: Record<string, BlockKind> = {
  TRANSACTION: 'transaction',
  'HOLDS THE LOCK(S)': 'holds',
  'WAITING FOR THIS LOCK TO BE GRANTED': 'waits',
  'CONFLICTING WITH': 'conflicting',
};

function parseReportLines(lines: string[], source: DeadlockSource, fallbackTime: string): ParsedDeadlock {
  const transactions: DeadlockTransaction[] = [];
  const conflictingLocks: OwnedLock[] = [];
  let time = fallbackTime;
  let victim: number | null = null;
  for (const block of splitIntoBlocks(lines)) {
    switch (block.kind) {
      case 'preamble':
        time = findTimestamp(block.lines) ?? fallbackTime;
        break;
      case 'transaction':
        transactions.push(parseTransaction(block, transactions.length + 1));
        break;
      case 'holds':
        ownerOf(block, transactions)?.holds.push(...locksIn(block.lines));
        break;
      case 'waits':
        ownerOf(block, transactions)?.waitsFor.push(...locksIn(block.lines));
        break;
      case 'conflicting':
        conflictingLocks.push(...ownedLocksIn(block.lines));
        break;
      case 'rollback':
        victim = block.ordinal ?? null;
        break;
    }
  }
  addGrantedConflictingLocks(transactions, conflictingLocks);
  return { time, transactions, victim, source };
}

function splitIntoBlocks(lines: string[]): Block[] {
  let current: Block = { kind: 'preamble', lines: [] };
  const blocks = [current];
  for (const line of lines) {
    const header = parseHeader(line.trim());
    if (header) {
      current = { ...header, lines: [] };
      blocks.push(current);
    } else {
      current.lines.push(line);
    }
  }
  return blocks;
}

function parseHeader(line: string): Omit<Block, 'lines'> | null {
  const rollback = ROLLBACK_LINE.exec(line);
  if (rollback) return { kind: 'rollback', ordinal: Number(rollback[1]) };
  const section = SECTION_HEADER.exec(line);
  const kind = section ? HEADER_KINDS[section[2] ?? ''] : undefined;
  if (!section || !kind) return null;
  return section[1] === undefined ? { kind } : { kind, ordinal: Number(section[1]) };
}

function findTimestamp(lines: string[]): string | undefined {
  for (const line of lines) {
    const stamp = TIMESTAMP.exec(line.trim());
    if (stamp) return stamp[1];
  }
  return undefined;
}

/** The transaction's id and thread from its header lines; every line after the thread line is the statement. */
function parseTransaction(block: Block, defaultOrdinal: number): DeadlockTransaction {
  const trimmed = block.lines.map((line) => line.trim());
  const trx: DeadlockTransaction = {
    ordinal: block.ordinal ?? defaultOrdinal,
    id: firstMatch(trimmed, TRANSACTION_LINE) ?? '',
    holds: [],
    waitsFor: [],
  };
  const threadAt = trimmed.findIndex((line) => THREAD_LINE.test(line));
  if (threadAt < 0) return trx;
  trx.threadId = THREAD_LINE.exec(lineAt(trimmed, threadAt))?.[1];
  const queryId = QUERY_ID.exec(lineAt(trimmed, threadAt))?.[1];
  if (queryId !== undefined) trx.queryId = queryId;
  const query = block.lines.slice(threadAt + 1).join('\n').trim();
  if (query !== '') trx.query = query;
  return trx;
}

function firstMatch(lines: string[], pattern: RegExp): string | undefined {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** The transaction a holds/waits block belongs to: the numbered one (MySQL), else the one it follows (MariaDB). */
function ownerOf(block: Block, transactions: DeadlockTransaction[]): DeadlockTransaction | undefined {
  if (block.ordinal === undefined) return transactions.at(-1);
  return transactions.find((trx) => trx.ordinal === block.ordinal);
}

/**
 * MariaDB's stand-in for a holds section: the granted locks under any "CONFLICTING WITH" that carry
 * the transaction's id. One lock blocks every waiter queued behind it and is listed under each, so
 * repeats of the same line are dropped.
 */
function addGrantedConflictingLocks(transactions: DeadlockTransaction[], conflictingLocks: OwnedLock[]): void {
  for (const trx of transactions) {
    const listed = new Set(trx.holds.map((lock) => lock.raw));
    for (const { lock, trxId, waiting } of conflictingLocks) {
      if (trxId !== trx.id || waiting || listed.has(lock.raw)) continue;
      listed.add(lock.raw);
      trx.holds.push(lock);
    }
  }
}

// ---- error log ----

interface LogDump {
  time: string;
  lines: string[];
}

/**
 * Cuts the log into dumps. A dump runs from its "deadlock detected" line to its victim line. The
 * server prefixes only the section headers and writes the rest of each section as bare lines, and
 * another session's message ("Aborted connection ...") may land between two sections: such a
 * message, with its own bare lines, is skipped, and the dump goes on at InnoDB's next dump header.
 * Anything else InnoDB writes after it means the dump was cut short (by a crash, say) and ends it,
 * so a broken dump does not swallow the log.
 */
function collectLogDumps(errorLogText: string): LogDump[] {
  const dumps: LogDump[] = [];
  let open: LogDump | undefined;
  let interrupted = false;
  for (const line of splitLines(errorLogText)) {
    if (DEADLOCK_DUMP_START.test(line)) {
      open = { time: TIMESTAMP.exec(line)?.[1] ?? '', lines: [] };
      dumps.push(open);
      interrupted = false;
      continue;
    }
    if (!open) continue;
    const prefix = LOG_LINE_PREFIX.exec(line);
    if (prefix && prefix[2] === undefined) {
      interrupted = true;
      continue;
    }
    const content = prefix ? line.slice(prefix[0].length) : line;
    if (interrupted && (!prefix || !isDumpHeader(content))) {
      if (prefix) open = undefined;
      continue;
    }
    interrupted = false;
    open.lines.push(content);
    if (ROLLBACK_LINE.test(content.trim())) open = undefined;
  }
  return dumps;
}

/** A prefixed dump line: "*** WAITING FOR ...", or the empty one before "*** (N) TRANSACTION:". */
function isDumpHeader(content: string): boolean {
  const text = content.trim();
  return text === '' || text.startsWith('***');
}

// ---- shapes and text ----

function transactionShape(trx: DeadlockTransaction): string {
  const statement = trx.query ? normalizeStatement(trx.query) : '(no statement)';
  return `${statement} | holds: ${lockKinds(trx.holds)} | waits: ${lockKinds(trx.waitsFor)}`;
}

/** Distinct lock descriptions, sorted: one lock or the same lock on two pages is the same shape. */
function lockKinds(locks: LockInfo[]): string {
  const kinds = [...new Set(locks.map(describeLock))].sort(compareText);
  return kinds.length === 0 ? '-' : kinds.join('; ');
}

function describeLocks(locks: LockInfo[]): string {
  return locks.length === 0 ? 'none reported' : locks.map(describeLock).join('; ');
}

function previewQuery(query: string): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  return oneLine.length <= QUERY_PREVIEW_CHARS ? oneLine : `${oneLine.slice(0, QUERY_PREVIEW_CHARS)}...`;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function lineAt(lines: string[], at: number): string {
  return (lines[at] ?? '').trim();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
