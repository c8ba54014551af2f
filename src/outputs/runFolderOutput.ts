/**
 * The run folder as an output: timeline.csv and status.csv rows, the interval histograms
 * (histograms.jsonl, HdrHistogram's latency.hlog), run.json replaced with the figures so far at
 * every interval, and the whole-window latency files at the end. Written as the run goes, so a
 * run killed at any moment leaves files that parse.
 */
import { statusRow, timelineRows } from '../format/intervalLine.js';
import { encodeHistogram } from '../metrics/histogram.js';
import { OpTotals } from '../metrics/opTotals.js';
import { HISTOGRAM_LOG_FILE, histogramLogHeader, histogramLogLine } from '../results/histogramLog.js';
import { latencyFiles } from '../results/latencyFiles.js';
import { INTERVAL_HISTOGRAMS_FILE, STATUS_FILE, TIMELINE_FILE, type RunFolder } from '../results/runFolder.js';
import type { RunFile } from '../results/types.js';
import type { IntervalRecord, Output, RunStart } from './output.js';

export class RunFolderOutput implements Output {
  readonly description: string;
  private readonly totals = new OpTotals();

  constructor(private readonly folder: RunFolder) {
    this.description = `run folder ${folder.dir}`;
  }

  start({ startedAtMs }: RunStart): void {
    this.folder.appendLine(HISTOGRAM_LOG_FILE, histogramLogHeader(startedAtMs));
  }

  interval({ stats, merged, run }: IntervalRecord): void {
    for (const row of timelineRows(stats)) this.folder.appendCsv(TIMELINE_FILE, row);
    const status = statusRow(stats);
    if (status) this.folder.appendCsv(STATUS_FILE, status);
    for (const [op, part] of merged.byOp) {
      this.folder.appendLine(INTERVAL_HISTOGRAMS_FILE, JSON.stringify({ seq: stats.seq, elapsedSec: stats.elapsedSec, op, histogram: encodeHistogram(part.histogram) }));
      this.folder.appendLine(HISTOGRAM_LOG_FILE, histogramLogLine({ tag: op, startSec: stats.elapsedSec - stats.seconds, lengthSec: stats.seconds, histogram: part.histogram }));
    }
    this.totals.addTotals(merged);
    this.folder.writeRun(run);
  }

  async end(run: RunFile | null): Promise<void> {
    if (!run) return;
    for (const [name, content] of latencyFiles(this.totals)) this.folder.writeAtomic(name, content);
    this.folder.writeRun(run);
  }
}
