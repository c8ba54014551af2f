/**
 * The option-file drop-in through which the matrix applies variables that need a restart. The
 * server's configuration is not innobench's to overwrite: a file is only ever written where there
 * was none, or where innobench wrote it before (its first line says so). Every write is atomic
 * (a temporary file beside it, then a rename), so the server never reads half a file. When an
 * earlier innobench drop-in is replaced, it is first moved beside the drop-in
 * (`<file>.innobench-saved`, a name no `!includedir` reads), so that a crash mid-matrix leaves the
 * original on disk, not only in this process's memory; restore() renames it back, or removes the
 * file innobench created.
 */
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from './atomicFile.js';

/** The first line of every drop-in innobench writes: how a later run knows the file is innobench's. */
export const DROP_IN_MARKER = '# innobench matrix drop-in';
const SAVED_SUFFIX = '.innobench-saved';

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
  /** True once this matrix has written the file (restore() has something to undo). */
  private written = false;

  constructor(readonly path: string) {}

  get savedPath(): string {
    return `${this.path}${SAVED_SUFFIX}`;
  }

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

  /** Writes the drop-in; the first time, an existing innobench drop-in is kept beside it first. */
  write(content: string): void {
    if (!this.written) {
      const refusal = this.refusal();
      if (refusal) throw new DropInRefused(refusal);
      // A saved file already there is the original of a matrix that never restored: it stays the original.
      if (existsSync(this.path) && !existsSync(this.savedPath)) renameSync(this.path, this.savedPath);
      this.written = true;
    }
    writeFileAtomic(this.path, content);
  }

  /** Puts the original back (or removes the file innobench created); says which. */
  restore(): 'put back' | 'removed' | 'untouched' {
    if (!this.written) return 'untouched';
    this.written = false;
    if (existsSync(this.savedPath)) {
      renameSync(this.savedPath, this.path);
      return 'put back';
    }
    if (existsSync(this.path)) {
      if (!isInnobenchDropIn(readFileSync(this.path, 'utf8'))) throw new Error(`${this.path} was replaced by someone else during the matrix; left as it is`);
      unlinkSync(this.path);
    }
    return 'removed';
  }
}
