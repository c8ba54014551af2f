/**
 * Changes an innobench process made and could not put back (it was SIGKILLed, or the server was
 * unreachable as it left): every command that talks to a server says so at its start, and
 * `innobench restore` applies their undo.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { errorMessage } from '../db/errors.js';
import { applyUndo, JournalBusy } from './journal.js';
import { deleteEntry, describeLeftovers, holderEntries, leftoverEntries, SERVER_STATE_LOCK, type JournalEntry } from './journalTable.js';

const RESTORE_HINT = '`innobench restore` (same connection options) puts it back';

/** Prints what an earlier innobench left changed on this server, if anything; returns the entries. */
export async function warnAboutLeftovers(control: PromiseConnection, log: (line: string) => void): Promise<JournalEntry[]> {
  const entries = await leftoverEntries(control).catch(() => []);
  if (entries.length) {
    log(`warning: this server still holds changes of an innobench that did not end cleanly; ${RESTORE_HINT}:`);
    for (const line of describeLeftovers(entries)) log(`  ${line}`);
  }
  return entries;
}

export interface RestoreOutcome {
  entry: JournalEntry;
  ok: boolean;
  detail: string;
}

/**
 * Applies the undo of every leftover entry, newest first (a variable changed twice ends at its
 * oldest value), and deletes each one that worked ('forget': deletes them unapplied, for changes
 * put back by hand; 'dry-run': only lists them). Holds the server-state lock meanwhile, so it
 * never undoes the changes of an innobench that is still running (JournalBusy).
 */
export async function restoreLeftovers(options: ConnectionOptions, mode: 'restore' | 'dry-run' | 'forget'): Promise<RestoreOutcome[]> {
  const connection = await connectControl(options);
  try {
    const [rows] = await connection.query('SELECT GET_LOCK(?, 0) AS got', [SERVER_STATE_LOCK]);
    if (Number((rows as Array<{ got: number | null }>)[0]?.got) !== 1) {
      const { entries } = await holderEntries(connection);
      const who = entries[0] ? `\`${entries[0].command}\` (pid ${entries[0].ownerPid} on ${entries[0].ownerHost})` : 'another innobench';
      throw new JournalBusy(`${who} is running and holds changes on this server: they are its own, put back when it ends; nothing restored`);
    }
    const outcomes: RestoreOutcome[] = [];
    for (const entry of (await leftoverEntries(connection)).reverse()) {
      if (mode === 'dry-run') {
        outcomes.push({ entry, ok: true, detail: entry.undoSql.length ? entry.undoSql.join('; ') : 'the option file put back' });
        continue;
      }
      try {
        if (mode === 'restore') await applyUndo(connection, entry);
        await deleteEntry(connection, entry.id);
        outcomes.push({ entry, ok: true, detail: mode === 'restore' ? 'restored' : 'forgotten' });
      } catch (error) {
        outcomes.push({ entry, ok: false, detail: errorMessage(error) });
      }
    }
    await connection.query('SELECT RELEASE_LOCK(?)', [SERVER_STATE_LOCK]);
    return outcomes;
  } finally {
    await connection.end().catch(() => undefined);
  }
}
