/**
 * A run's folder, written as the run goes so that a run killed at any moment leaves files that
 * parse: run.json is replaced atomically (write, then rename) at every interval; CSV rows and
 * interval histograms are appended whole, one write per line.
 */
import { accessSync, appendFileSync, constants, mkdirSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { RunFile } from './types.js';
import { writeFileAtomic } from '../config/atomicFile.js';

export const RUN_FILE = 'run.json';
export const TIMELINE_FILE = 'timeline.csv';
export const STATUS_FILE = 'status.csv';
export const INTERVAL_HISTOGRAMS_FILE = 'histograms.jsonl';

/** What a run id may look like: one folder name, never a path (no separators, no leading dot). */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A run id names a folder, and the scenario's name in it may come from a file (merge reads it
 * from run.json): anything but letters, digits, '-' and '_' becomes '_', so no name can make it a path.
 */
export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name = scenario.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  return `${stamp}-${name}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A long run writes a few MB of CSV and histograms; below this the disk is as good as full. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;

export class RunFolder {
  private readonly headerWritten = new Set<string>();

  constructor(readonly dir: string) {}

  /** Creates the folder and proves it is writable before any load starts. */
  static create(resultsRoot: string, runId: string): RunFolder {
    if (!RUN_ID.test(runId)) throw new Error(`run id ${JSON.stringify(runId)} is not a plain folder name: nothing was written`);
    const dir = join(resultsRoot, runId);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      const probe = join(dir, '.write-test');
      writeFileSync(probe, 'ok');
      unlinkSync(probe);
      const { bavail, bsize } = statfsSync(dir);
      if (bavail * bsize < MIN_FREE_BYTES) throw Object.assign(new Error('disk full'), { code: `only ${Math.round((bavail * bsize) / 1048576)} MiB free` });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new Error(`cannot write results under ${resultsRoot} (${code}): choose another --results folder; nothing was run`);
    }
    return new RunFolder(dir);
  }

  /** Removes the folder of a run that never started. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  writeRun(run: RunFile): void {
    this.writeAtomic(RUN_FILE, JSON.stringify(run, null, 2) + '\n');
  }

  writeAtomic(name: string, content: string): void {
    writeFileAtomic(join(this.dir, name), content);
  }

  /** Appends one CSV row; the first row of a file also writes its header from the row's keys. */
  appendCsv(name: string, row: Record<string, string | number>): void {
    const path = join(this.dir, name);
    const header = !this.headerWritten.has(name);
    this.headerWritten.add(name);
    appendFileSync(path, stringify([row], { header, columns: Object.keys(row) }));
  }

  appendLine(name: string, line: string): void {
    appendFileSync(join(this.dir, name), line + '\n');
  }
}
