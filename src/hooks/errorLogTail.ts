/**
 * Reads what a server appends to its error log while a run goes. The server may be writing as we
 * read, so only whole lines are handed out: a line still being written (and the bytes of a
 * character cut in two) waits for the next read.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const NEWLINE = 0x0a;

export class ErrorLogTail {
  private offset: number;
  private pending = Buffer.alloc(0);
  /** Set when the file got shorter than what was already read: rotated or truncated, lines lost. */
  shrank = false;

  /** Starts at the current end: what was written before is not the run's. Throws when unreadable. */
  constructor(readonly path: string) {
    this.offset = statSync(path).size;
    closeSync(openSync(path, 'r'));
  }

  /** The whole lines appended since the last call, each ending in "\n"; '' when there are none. */
  readLines(): string {
    const size = statSync(this.path).size;
    if (size < this.offset) {
      // A new file under the same name: read it from its start, and say the old one's tail is lost.
      this.shrank = true;
      this.offset = 0;
      this.pending = Buffer.alloc(0);
    }
    if (size === this.offset) return '';
    const chunk = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    let read: number;
    try {
      read = readSync(fd, chunk, 0, chunk.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset += read;
    const bytes = Buffer.concat([this.pending, chunk.subarray(0, read)]);
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    this.pending = Buffer.from(bytes.subarray(end));
    return bytes.subarray(0, end).toString('utf8');
  }
}
