/**
 * The journal of server changes as a table in the harness's database (beside the registry's
 * tables, src/schema/registry.ts), so that any later innobench process can find what an earlier
 * one changed and did not put back. One row per change: who made it (host, pid, the connection
 * that holds the server-state lock), what it is, and its undo as data (SQL statements, or a file
 * to put back).
 *
 * An owner is alive while its connection holds the server-wide lock SERVER_STATE_LOCK: the server
 * releases a lock when the connection ends, also when the process was killed, so
 * `IS_USED_LOCK(name) <> owner_connection` tells a dead owner without the PROCESS privilege that
 * reading other users' rows of information_schema.PROCESSLIST needs.
 */
import type { PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';

export const JOURNAL_TABLE = 'innobench_journal';
/** One name for the whole server (GET_LOCK names are server-wide, whatever the database). */
export const SERVER_STATE_LOCK = 'innobench.server-state';

/** An option file replaced or created by innobench: `saved` holds its original (beside it), or null when innobench created it. */
export interface FileUndo {
  path: string;
  saved: string | null;
}

export interface JournalEntry {
  id: number;
  ownerHost: string;
  ownerPid: number;
  ownerConnection: number;
  command: string;
  /** global | performance_schema | buffer-pool | option-file | index …: what kind of change. */
  kind: string;
  /** What was changed, for a person: `slow_query_log (was OFF)`. */
  description: string;
  /** Statements that put it back, in order. */
  undoSql: string[];
  file: FileUndo | null;
  createdAt: string;
}

/** Errnos of a journal that is not there yet: no table (1146), no database (1049). */
const NO_JOURNAL = new Set([1146, 1049]);

export async function ensureJournalTable(connection: PromiseConnection): Promise<void> {
  await connection.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(JOURNAL_TABLE)} (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_host VARCHAR(255) NOT NULL,
    owner_pid INT UNSIGNED NOT NULL,
    owner_connection BIGINT UNSIGNED NOT NULL,
    command VARCHAR(255) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    description VARCHAR(1024) NOT NULL,
    undo_sql MEDIUMTEXT NOT NULL,
    undo_file TEXT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    KEY owner (owner_connection)
  ) ENGINE=InnoDB`);
}

export async function insertEntry(connection: PromiseConnection, entry: Omit<JournalEntry, 'id' | 'createdAt'>): Promise<JournalEntry> {
  const [result] = await connection.query(
    `INSERT INTO ${quoteIdent(JOURNAL_TABLE)} (owner_host, owner_pid, owner_connection, command, kind, description, undo_sql, undo_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [entry.ownerHost, entry.ownerPid, entry.ownerConnection, entry.command, entry.kind, entry.description.slice(0, 1024), JSON.stringify(entry.undoSql), entry.file ? JSON.stringify(entry.file) : null],
  );
  return { ...entry, id: Number((result as { insertId: number }).insertId), createdAt: new Date().toISOString() };
}

export async function deleteEntry(connection: PromiseConnection, id: number): Promise<void> {
  await connection.query(`DELETE FROM ${quoteIdent(JOURNAL_TABLE)} WHERE id = ?`, [id]);
}

interface Row {
  id: number;
  owner_host: string;
  owner_pid: number;
  owner_connection: number;
  command: string;
  kind: string;
  description: string;
  undo_sql: string;
  undo_file: string | null;
  created_at: string;
}

function entryOf(row: Row): JournalEntry {
  return {
    id: Number(row.id),
    ownerHost: row.owner_host,
    ownerPid: Number(row.owner_pid),
    ownerConnection: Number(row.owner_connection),
    command: row.command,
    kind: row.kind,
    description: row.description,
    undoSql: JSON.parse(row.undo_sql) as string[],
    file: row.undo_file ? (JSON.parse(row.undo_file) as FileUndo) : null,
    createdAt: String(row.created_at),
  };
}

/**
 * Entries whose owner is gone (its connection no longer holds the server-state lock), oldest
 * first; [] when the harness's database or the journal does not exist yet. `database` when the
 * connection has none selected.
 */
export async function leftoverEntries(connection: PromiseConnection, database?: string): Promise<JournalEntry[]> {
  const table = database === undefined ? quoteIdent(JOURNAL_TABLE) : `${quoteIdent(database)}.${quoteIdent(JOURNAL_TABLE)}`;
  try {
    const [rows] = await connection.query(
      `SELECT * FROM ${table} WHERE NOT (IS_USED_LOCK(?) <=> owner_connection) ORDER BY id`,
      [SERVER_STATE_LOCK],
    );
    return (rows as Row[]).map(entryOf);
  } catch (error) {
    if (NO_JOURNAL.has(Number((error as { errno?: number }).errno))) return [];
    throw error;
  }
}

/** The entries of the process that holds the lock now (for the message that refuses a second one). */
export async function holderEntries(connection: PromiseConnection): Promise<{ holder: number | null; entries: JournalEntry[] }> {
  const [lock] = await connection.query('SELECT IS_USED_LOCK(?) AS holder', [SERVER_STATE_LOCK]);
  const holder = (lock as Array<{ holder: number | null }>)[0]?.holder ?? null;
  if (holder === null) return { holder: null, entries: [] };
  try {
    const [rows] = await connection.query(`SELECT * FROM ${quoteIdent(JOURNAL_TABLE)} WHERE owner_connection = ? ORDER BY id`, [holder]);
    return { holder: Number(holder), entries: (rows as Row[]).map(entryOf) };
  } catch (error) {
    if (NO_JOURNAL.has(Number((error as { errno?: number }).errno))) return { holder: Number(holder), entries: [] };
    throw error;
  }
}

/** How a group of entries is shown: one owner per line, then one line per change. */
export function describeLeftovers(entries: readonly JournalEntry[]): string[] {
  const owners = new Map<string, JournalEntry[]>();
  for (const entry of entries) {
    const key = `${entry.ownerHost}/${entry.ownerPid}/${entry.ownerConnection}`;
    owners.set(key, [...(owners.get(key) ?? []), entry]);
  }
  const lines: string[] = [];
  for (const group of owners.values()) {
    const first = group[0]!;
    lines.push(`\`${first.command}\` (pid ${first.ownerPid} on ${first.ownerHost}, since ${first.createdAt}) ended without putting back:`);
    for (const entry of group) lines.push(`  ${entry.kind}: ${entry.description}`);
  }
  return lines;
}
