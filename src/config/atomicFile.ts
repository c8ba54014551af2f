import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `content` to `path` through a temporary file in the same folder and a rename, so that a
 * reader (the server reading its option files, `innobench report` or `runs` reading run.json and
 * matrix.json while a run writes them) never sees
 * half a file.
 */
export function writeFileAtomic(path: string, content: string): void {
  const temporary = `${path}.innobench-tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
