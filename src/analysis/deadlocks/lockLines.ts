/**
 * One lock line of a deadlock report ("RECORD LOCKS space id … index … of table … trx id … lock_mode X
 * locks gap before rec waiting", "TABLE LOCK table … lock mode IX"): which lock, whose, and whether it
 * is granted. Both server families print the same line; MySQL 8 writes "lock_mode", older ones "lock mode".
 */
export interface LockInfo {
  lockType: 'RECORD' | 'TABLE';
  /** Table as printed with the backquotes removed: "test.Animals". */
  table?: string;
  /** Index of a record lock ("PRIMARY", "idx_member"); table locks have none. */
  index?: string;
  /** Lock mode as printed: "X", "S", "IX", "IS", "AUTO-INC". */
  mode: string;
  /** "locks gap before rec": the gap before the record, not the record itself. */
  gap: boolean;
  /** "locks rec but not gap": the record without the gap before it. */
  recordOnly: boolean;
  /** "insert intention": an INSERT asking to enter a gap. */
  insertIntention: boolean;
  /** The lock line as printed. */
  raw: string;
}

const RECORD_LOCK_LINE =
  /^RECORD LOCKS space id \d+ page no \d+ n bits \d+ index (\S+) of table (.+?) trx id (\S+) lock[_ ]mode (\S+)(.*)$/;
const TABLE_LOCK_LINE = /^TABLE LOCK table (.+?) trx id (\S+) lock[_ ]mode (\S+)(.*)$/;

/** A parsed lock line with what decides whether it is held, and by whom. */
export interface OwnedLock {
  lock: LockInfo;
  trxId: string;
  waiting: boolean;
}

export function locksIn(lines: string[]): LockInfo[] {
  return ownedLocksIn(lines).map((owned) => owned.lock);
}

/** Lock lines only; the record dumps under them ("Record lock, heap no ...", " 0: len 4; ...") are skipped. */
export function ownedLocksIn(lines: string[]): OwnedLock[] {
  return lines.map((line) => parseLockLine(line.trim())).filter((owned): owned is OwnedLock => owned !== null);
}

function parseLockLine(line: string): OwnedLock | null {
  const parts = lockLineParts(line);
  if (!parts) return null;
  const { target, mode, flags, trxId } = parts;
  return {
    lock: {
      ...target,
      mode,
      gap: flags.includes('gap before rec'),
      recordOnly: flags.includes('rec but not gap'),
      insertIntention: flags.includes('insert intention'),
      raw: line,
    },
    trxId,
    waiting: /\bwaiting\b/.test(flags),
  };
}

interface LockLineParts {
  target: Pick<LockInfo, 'lockType' | 'table' | 'index'>;
  trxId: string;
  mode: string;
  /** The words after the mode: "locks gap before rec insert intention waiting". */
  flags: string;
}

function lockLineParts(line: string): LockLineParts | null {
  const record = RECORD_LOCK_LINE.exec(line);
  if (record) {
    return {
      target: { lockType: 'RECORD', table: unquote(group(record, 2)), index: unquote(group(record, 1)) },
      trxId: group(record, 3),
      mode: group(record, 4),
      flags: group(record, 5),
    };
  }
  const table = TABLE_LOCK_LINE.exec(line);
  if (table) {
    return {
      target: { lockType: 'TABLE', table: unquote(group(table, 1)) },
      trxId: group(table, 2),
      mode: group(table, 3),
      flags: group(table, 4),
    };
  }
  return null;
}

function group(match: RegExpExecArray, n: number): string {
  return match[n] ?? '';
}

function unquote(name: string): string {
  return name.replace(/`/g, '');
}
