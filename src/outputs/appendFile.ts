/**
 * A file an output appends to while the run goes, one whole line (or block of lines) per write,
 * so a reader (`tail -f | jq`, a log shipper) never sees half a record and a run killed at any
 * moment leaves lines that parse. An existing file is appended to, not replaced: the runs of a
 * sweep or a matrix gather in one file, each line naming its run.
 */
import { appendFileSync, statSync } from 'node:fs';

export class LineFile {
  /** The file was empty or absent when the run began (a CSV writes its header then). */
  readonly wasEmpty: boolean;

  constructor(readonly path: string) {
    try {
      appendFileSync(path, '');
      this.wasEmpty = statSync(path).size === 0;
    } catch (error) {
      throw new Error(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): nothing was run`);
    }
  }

  append(text: string): void {
    appendFileSync(this.path, text);
  }
}
