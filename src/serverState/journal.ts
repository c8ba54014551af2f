/**
 * Every change innobench makes to a server (a global, performance_schema's setup rows, the buffer
 * pool's size, an option-file drop-in, an index) is written to the journal table BEFORE it is made,
 * with its undo as data, and taken out once undone. A process that ends however it likes (normal
 * end, error, a signal, an uncaught exception) undoes its own entries on the way out
 * (`restoreEveryJournal`); one that cannot (SIGKILL, power loss) leaves them for the next innobench
 * command to report and for `innobench restore` to apply (journalTable.ts, leftovers.ts).
 *
 * The journal's connection holds the server-wide lock SERVER_STATE_LOCK from the first change until
 * everything is undone, so two innobench processes never change one server at once and undo each
 * other's changes: the second is refused before it changes anything (JournalBusy).
 *
 *   const journal = serverJournal(connectionOptions);
 *   await journal.acquire();                                   // optional: refuse early
 *   const entry = await journal.setGlobals({ slow_query_log: 'ON', long_query_time: 0 });
 *   …
 *   await journal.restore(entry);                              // or, at exit: restoreEveryJournal()
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeFileAtomic } from '../config/atomicFile.js';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { errorMessage } from '../db/errors.js';
import { deleteEntry, ensureJournalTable, JOURNAL_TABLE, holderEntries, insertEntry, leftoverEntries, describeLeftovers, SERVER_STATE_LOCK, type FileUndo, type JournalEntry } from './journalTable.js';
import { setGlobalStatement, variableName } from './statements.js';

/** The suffix of an option file's original, kept beside it while innobench's version is in place. */
export const ORIGINAL_SUFFIX = '.innobench-orig';

/** Another innobench process holds changes on this server (or the lock cannot be had). */
export class JournalBusy extends Error {}
/** An earlier innobench left changes on this server: `innobench restore` first. */
export class LeftoverChanges extends Error {}

export interface ChangeRecord {
  kind: string;
  description: string;
  undoSql: string[];
}

/** The command this process runs, as the journal names it (positional words only: never an option's value). */
function commandLabel(): string {
  const words: string[] = [];
  for (const word of process.argv.slice(2)) {
    if (word.startsWith('-')) break;
    words.push(word);
  }
  return `innobench ${words.join(' ')}`.trim();
}

export class ServerJournal {
  private connection: PromiseConnection | null = null;
  private ownConnectionId = 0;
  /** This process's entries not yet undone, in the order they were made. */
  private readonly entries: JournalEntry[] = [];
  private acquiring: Promise<void> | null = null;

  constructor(private readonly options: ConnectionOptions) {}

  /**
   * Takes the server-state lock (idempotent). Refuses with JournalBusy while another innobench
   * holds it, and with LeftoverChanges when a dead one left entries: recording new "old values" on
   * top of those would make its leftovers permanent.
   */
  acquire(): Promise<void> {
    if (this.connection) return Promise.resolve();
    this.acquiring ??= this.lock().finally(() => (this.acquiring = null));
    return this.acquiring;
  }

  private async lock(): Promise<void> {
    const connection = await connectControl(this.options);
    try {
      const [rows] = await connection.query('SELECT GET_LOCK(?, 0) AS got, CONNECTION_ID() AS id', [SERVER_STATE_LOCK]);
      const row = (rows as Array<{ got: number | null; id: number }>)[0]!;
      if (Number(row.got) !== 1) {
        const { holder, entries } = await holderEntries(connection);
        const who = entries[0] ? `\`${entries[0].command}\` (pid ${entries[0].ownerPid} on ${entries[0].ownerHost})` : `connection ${holder ?? '?'}`;
        const what = entries.length ? `: ${entries.map((entry) => entry.description).join('; ')}` : '';
        throw new JournalBusy(
          `another innobench, ${who}, holds changes on this server${what}. Two at once would undo each other's changes: wait until it ends (or stop it; its changes are put back when it exits)`,
        );
      }
      await ensureJournalTable(connection).catch((error: unknown) => {
        throw new Error(`the journal of server changes (${JOURNAL_TABLE} in ${this.options.database}) cannot be created, so no change could be undone after a kill (needs CREATE, INSERT, DELETE there): ${errorMessage(error)}`);
      });
      const leftovers = await leftoverEntries(connection);
      if (leftovers.length) {
        throw new LeftoverChanges(
          `an earlier innobench left this server changed; \`innobench restore\` puts it back:\n  ${describeLeftovers(leftovers).join('\n  ')}`,
        );
      }
      this.ownConnectionId = Number(row.id);
      this.connection = connection;
    } catch (error) {
      await connection.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Records a change before the caller makes it; the caller then makes it (on any connection).
   * `undoSql` must put the server back as it is now, whatever state the change leaves it in.
   */
  async record(change: ChangeRecord, file: FileUndo | null = null): Promise<JournalEntry> {
    await this.acquire();
    const entry = await insertEntry(await this.liveConnection(), {
      ownerHost: hostname(),
      ownerPid: process.pid,
      ownerConnection: this.ownConnectionId,
      command: commandLabel(),
      kind: change.kind,
      description: change.description,
      undoSql: change.undoSql,
      file,
    });
    this.entries.push(entry);
    return entry;
  }

  /**
   * SET GLOBAL of several variables as one change (one statement: all or none): their current
   * values are read and journalled, then the new ones set. Returns null when every variable already holds its value (nothing to undo).
   */
  async setGlobals(values: Record<string, string | number>, kind = 'global'): Promise<JournalEntry | null> {
    await this.acquire();
    const wanted = Object.fromEntries(Object.entries(values).map(([name, value]) => [variableName(name), value]));
    const names = Object.keys(wanted);
    const [rows] = await (await this.liveConnection()).query(`SELECT ${names.map((name) => `@@GLOBAL.${name} AS ${name}`).join(', ')}`);
    const before = (rows as Array<Record<string, string | number | null>>)[0]!;
    const changing = names.filter((name) => String(before[name]) !== String(wanted[name]));
    if (changing.length === 0) return null;
    const entry = await this.record({
      kind,
      description: changing.map((name) => `${name} = ${String(wanted[name])} (was ${String(before[name])})`).join(', '),
      undoSql: [setGlobalStatement(Object.fromEntries(changing.map((name) => [name, before[name] ?? null])))],
    });
    try {
      await (await this.liveConnection()).query(setGlobalStatement(Object.fromEntries(changing.map((name) => [name, wanted[name]!]))));
    } catch (error) {
      // One statement: refused, it changed nothing.
      await this.discard(entry).catch(() => undefined);
      throw error;
    }
    return entry;
  }

  /**
   * Writes an option file (a drop-in the server reads at start). An existing file is kept beside it
   * as `<file>.innobench-orig` until undone; a new one is recorded as created by innobench.
   */
  async replaceFile(path: string, content: string, description: string): Promise<JournalEntry> {
    const saved = `${path}${ORIGINAL_SUFFIX}`;
    if (existsSync(saved)) throw new LeftoverChanges(`${saved} exists: an earlier innobench did not put ${path} back (\`innobench restore\` on this host)`);
    const existed = existsSync(path);
    const entry = await this.record({ kind: 'option-file', description: `${path}: ${description} (${existed ? `original kept as ${saved}` : 'created by innobench'})`, undoSql: [] }, { path, saved: existed ? saved : null });
    if (existed) writeFileSync(saved, readFileSync(path));
    writeFileAtomic(path, content);
    return entry;
  }

  /**
   * Undoes one entry of this process (once; later calls do nothing) and takes it out of the
   * journal. The lock goes with the last entry (also when `entry` is null: nothing was changed).
   */
  async restore(entry: JournalEntry | null): Promise<void> {
    if (!entry || !this.entries.includes(entry)) {
      if (this.entries.length === 0) await this.release();
      return;
    }
    const connection = await this.liveConnection();
    await applyUndo(connection, entry);
    // A forced exit may have undone it meanwhile: look it up again.
    if (this.entries.includes(entry)) this.entries.splice(this.entries.indexOf(entry), 1);
    await deleteEntry(connection, entry.id);
    if (this.entries.length === 0) await this.release();
  }

  /**
   * Undoes every entry of this process, newest first, each allowed `timeoutMs`; failures are
   * reported and their entries kept for `innobench restore`. Then lets the lock go.
   */
  async restoreAll(report: (line: string) => void, timeoutMs = 5000): Promise<void> {
    for (const entry of [...this.entries].reverse()) {
      try {
        await withTimeout(this.restore(entry), timeoutMs);
        report(`restored ${entry.kind}: ${entry.description}`);
      } catch (error) {
        // Forgotten here, kept in the table: once the lock goes it is a leftover for `innobench restore`.
        if (this.entries.includes(entry)) this.entries.splice(this.entries.indexOf(entry), 1);
        report(`could not restore ${entry.kind} (${entry.description}): ${errorMessage(error)}; \`innobench restore\` retries it`);
      }
    }
    await this.release();
  }

  /**
   * Takes out an entry whose change the server refused, so never made (undoing it could fail the
   * same way, and would then block every later command as a leftover).
   */
  async discard(entry: JournalEntry | null): Promise<void> {
    if (entry && this.entries.includes(entry)) {
      this.entries.splice(this.entries.indexOf(entry), 1);
      await deleteEntry(await this.liveConnection(), entry.id);
    }
    if (this.entries.length === 0) await this.release();
  }

  /** The journal's connection, opened again when the server dropped it (a restart). */
  private async liveConnection(): Promise<PromiseConnection> {
    if (this.connection) {
      try {
        await this.connection.query('SELECT 1');
        return this.connection;
      } catch {
        this.connection.destroy();
        this.connection = null;
      }
    }
    // Still ours: a new connection may undo and delete our entries; the lock went with the old one.
    const fresh = await connectControl(this.options);
    this.connection = fresh;
    const [rows] = await fresh.query('SELECT GET_LOCK(?, 0) AS got, CONNECTION_ID() AS id', [SERVER_STATE_LOCK]);
    this.ownConnectionId = Number((rows as Array<{ id: number }>)[0]?.id);
    // The entries name their owner by its connection: the new one, or they would read as a dead owner's leftovers.
    if (this.entries.length) await fresh.query(`UPDATE ${JOURNAL_TABLE} SET owner_connection = ? WHERE id IN (?)`, [this.ownConnectionId, this.entries.map((entry) => entry.id)]);
    return fresh;
  }

  /**
   * After a server restart (the journal's connection, and with it the lock, are gone): takes the
   * lock again on a new connection and names it the owner of this process's entries, so that
   * other commands do not report them as leftovers and another innobench is refused again.
   */
  async reattach(): Promise<void> {
    if (this.entries.length) await this.liveConnection();
  }

  private async release(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    await connection.query('SELECT RELEASE_LOCK(?)', [SERVER_STATE_LOCK]).catch(() => undefined);
    await connection.end().catch(() => connection.destroy());
  }
}

/** Runs an entry's undo: its statements, then its file (only on the host that changed it). */
export async function applyUndo(connection: PromiseConnection, entry: JournalEntry): Promise<void> {
  for (const statement of entry.undoSql) await queryWhenFree(connection, statement);
  if (entry.file) {
    if (entry.ownerHost !== hostname()) throw new Error(`${entry.file.path} is on ${entry.ownerHost}: run \`innobench restore\` there`);
    if (entry.file.saved === null) rmSync(entry.file.path, { force: true });
    else if (existsSync(entry.file.saved)) renameSync(entry.file.saved, entry.file.path);
  }
}

/**
 * A buffer pool resize runs in the background after its SET GLOBAL returns, and the server refuses
 * the next one until it ends ("Another buffer pool resize is already in progress"): a signal that
 * arrives mid-shrink must still grow it back, so that refusal is waited out (up to a minute).
 */
async function queryWhenFree(connection: PromiseConnection, statement: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await connection.query(statement);
      return;
    } catch (error) {
      if (attempt >= 600 || !/already in progress/i.test(errorMessage(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

// ---- one journal per server, per process ----

const journals = new Map<string, ServerJournal>();

/** This process's journal for the server (and harness database) `options` point at. */
export function serverJournal(options: ConnectionOptions): ServerJournal {
  const key = JSON.stringify([options.socket ?? `${options.host}:${options.port}`, options.database]);
  let journal = journals.get(key);
  if (!journal) journals.set(key, (journal = new ServerJournal(options)));
  return journal;
}

/** Every exit path calls this: undoes what this process still holds changed, on every server. */
export async function restoreEveryJournal(report: (line: string) => void, timeoutMs = 5000): Promise<void> {
  await Promise.all([...journals.values()].map((journal) => journal.restoreAll(report, timeoutMs)));
}
