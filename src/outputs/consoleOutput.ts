/** The interval line on stderr (sysbench's --report-interval style) and the summary at the end. */
import { consoleLine } from '../format/intervalLine.js';
import { summaryText } from '../format/summaryText.js';
import type { RunFile } from '../results/types.js';
import type { IntervalRecord, Output } from './output.js';

export class ConsoleOutput implements Output {
  readonly description = 'console';

  constructor(private readonly log: (line: string) => void) {}

  start(): void {}

  interval({ stats }: IntervalRecord): void {
    this.log(consoleLine(stats));
  }

  async end(run: RunFile | null): Promise<void> {
    if (run) this.log(summaryText(run));
  }
}
