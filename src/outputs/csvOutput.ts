/**
 * `--out csv=FILE`: timeline.csv's rows (per op type, and "all" when there are several) with the
 * run's labels and tags in front, appended while the run goes; one file can gather many runs
 * (the header is written once, when the file is new: runs that share a file share its columns).
 */
import { stringify } from 'csv-stringify/sync';
import { timelineRows } from '../format/intervalLine.js';
import { LineFile } from './appendFile.js';
import { runLabels, type IntervalRecord, type Output, type RunStart } from './output.js';

export class CsvOutput implements Output {
  readonly description: string;
  private readonly file: LineFile;
  private labels: Record<string, string> = {};
  private header: boolean;

  constructor(path: string) {
    this.description = `csv=${path}`;
    this.file = new LineFile(path);
    this.header = this.file.wasEmpty;
  }

  start({ run }: RunStart): void {
    this.labels = runLabels(run);
  }

  interval({ stats }: IntervalRecord): void {
    const rows = timelineRows(stats).map((row) => ({ ...this.labels, ...row }));
    this.file.append(stringify(rows, { header: this.header, columns: Object.keys(rows[0] ?? {}) }));
    this.header = false;
  }

  async end(): Promise<void> {}
}
