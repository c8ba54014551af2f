/**
 * `--out json=FILE`: NDJSON, one object per interval and op type while the run goes, and one
 * summary at the end, each carrying the run's labels and tags (k6's JSON output, per interval
 * rather than per sample: innobench never handles single operations on the main thread).
 */
import type { RunFile } from '../results/types.js';
import { LineFile } from './appendFile.js';
import { runLabels, type IntervalRecord, type Output, type RunStart } from './output.js';

export class JsonOutput implements Output {
  readonly description: string;
  private readonly file: LineFile;
  private labels: Record<string, string> = {};
  private startedAtMs = 0;

  constructor(path: string) {
    this.description = `json=${path}`;
    this.file = new LineFile(path);
  }

  start({ run, startedAtMs }: RunStart): void {
    this.labels = runLabels(run);
    this.startedAtMs = startedAtMs;
  }

  interval({ stats }: IntervalRecord): void {
    const time = new Date(this.startedAtMs + stats.elapsedSec * 1000).toISOString();
    const lines = Object.entries(stats.byOp).map(([op, { counts, opsPerSec, latencyMs }]) =>
      JSON.stringify({ type: 'interval', time, seq: stats.seq, elapsedSec: round3(stats.elapsedSec), seconds: round3(stats.seconds), op, ...counts, opsPerSec, latencyMs, labels: this.labels }),
    );
    if (lines.length) this.file.append(lines.join('\n') + '\n');
  }

  async end(run: RunFile | null): Promise<void> {
    if (!run) return;
    const line = { type: 'summary', time: run.endedAt ?? new Date().toISOString(), state: run.state, ...(run.error ? { error: run.error } : {}), summary: run.summary, labels: runLabels(run) };
    this.file.append(JSON.stringify(line) + '\n');
  }
}

function round3(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
