/**
 * The option-file drop-in through which the matrix applies variables that need a restart. The
 * server's configuration is not innobench's to overwrite: a file is only ever written where there
 * was none, or where innobench wrote it before (its first line says so). The first write goes
 * through the journal of server changes (serverState/journal.ts): recorded before it is made, an
 * existing innobench drop-in kept beside it as `<file>.innobench-orig` (a name no `!includedir`
 * reads), so that a crash mid-matrix leaves the original on disk and `innobench restore` puts it
 * back. Later writes replace the file atomically (a temporary file, then a rename), so the server
 * never reads half a file; restore() puts the original back, or removes the file innobench created.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerJournal } from '../serverState/journal.js';
import type { JournalEntry } from '../serverState/journalTable.js';
import { writeFileAtomic } from '../config/atomicFile.js';

/** The first line of every drop-in innobench writes: how a later run knows the file is innobench's. */
export const DROP_IN_MARKER = '# innobench matrix drop-in';

/** The drop-in's text: the marker, one [mysqld] group with the matrix's non-dynamic variables. */
export function dropInContent(values: Record<string, string | number>, note: string): string {
  return [`${DROP_IN_MARKER}: ${note}`, '[mysqld]', ...Object.entries(values).map(([name, value]) => `${name} = ${value}`), ''].join('\n');
}

/** Whether a file's text is a drop-in innobench wrote (its first line is the marker). */
export function isInnobenchDropIn(text: string): boolean {
  return text.startsWith(DROP_IN_MARKER);
}

export class DropInRefused extends Error {}

export class DropIn {
  /** The journal's record of the first write (restore() has something to undo). */
  private entry: JournalEntry | null = null;

  constructor(
    readonly path: string,
    private readonly journal: ServerJournal,
  ) {}

  /** Why the file may not be written, or null when it may (absent, or an innobench drop-in). */
  refusal(): string | null {
    if (!existsSync(this.path)) return null;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      return `--drop-in ${this.path}: cannot read the existing file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}); refusing to replace it`;
    }
    if (isInnobenchDropIn(text)) return null;
    return (
      `--drop-in ${this.path}: the file exists and innobench did not create it (its first line is not "${DROP_IN_MARKER}"); ` +
      'refusing to overwrite it. Name a file of its own in a folder the server reads, e.g. /etc/mysql/mariadb.conf.d/99-innobench.cnf'
    );
  }

  /** Writes the drop-in; the first time through the journal (an existing innobench drop-in kept beside it). */
  async write(content: string): Promise<void> {
    if (this.entry) {
      writeFileAtomic(this.path, content);
      return;
    }
    const refusal = this.refusal();
    if (refusal) throw new DropInRefused(refusal);
    this.entry = await this.journal.replaceFile(this.path, content, 'innobench matrix drop-in');
  }

  /** Puts the original back (or removes the file innobench created); says which. */
  async restore(): Promise<'put back' | 'removed' | 'untouched'> {
    const entry = this.entry;
    if (!entry) return 'untouched';
    this.entry = null;
    if (existsSync(this.path) && !isInnobenchDropIn(readFileSync(this.path, 'utf8'))) {
      await this.journal.discard(entry);
      throw new Error(`${this.path} was replaced by someone else during the matrix; left as it is`);
    }
    await this.journal.restore(entry);
    return entry.file?.saved ? 'put back' : 'removed';
  }
}
