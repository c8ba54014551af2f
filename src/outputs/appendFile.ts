/**
 * A file an output appends to while the run goes: created (or emptied) at the start, one whole
 * line per write, so a reader (`tail -f | jq`, a log shipper) never sees half a record and a
 * run killed at any moment leaves lines that parse.
 */
import { appendFileSync, writeFileSync } from 'node:fs';

export class LineFile {
  constructor(readonly path: string) {
    try {
      writeFileSync(path, '');
    } catch (error) {
      throw new Error(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): nothing was run`);
    }
  }

  append(text: string): void {
    appendFileSync(this.path, text);
  }
}
