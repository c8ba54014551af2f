/** `--out prometheus-rw=URL`: the series /metrics would serve, pushed every interval and at the end. */
import type { RunFile } from '../results/types.js';
import { LiveMetrics } from './live/liveMetrics.js';
import { RemoteWriter } from './live/remoteWrite.js';
import { runLabels, type IntervalRecord, type Output, type RunStart } from './output.js';

/** How long the end waits for the last push to land. */
const FINAL_PUSH_MS = 15_000;

export class PrometheusRemoteWriteOutput implements Output {
  readonly description: string;
  private readonly metrics = new LiveMetrics();
  private readonly writer: RemoteWriter;

  constructor(url: string, log: (line: string) => void) {
    this.writer = new RemoteWriter(url, () => this.metrics.samples(), log);
    this.description = `prometheus-rw=${this.writer.shownUrl}`;
    log(`live: remote write to ${this.writer.shownUrl} every interval`);
  }

  start({ run }: RunStart): void {
    this.metrics.setRun(runLabels(run));
  }

  interval({ stats, merged }: IntervalRecord): void {
    this.metrics.addInterval(stats, merged);
    this.writer.push();
  }

  async end(_run: RunFile | null): Promise<void> {
    await this.writer.flush(FINAL_PUSH_MS);
  }
}
