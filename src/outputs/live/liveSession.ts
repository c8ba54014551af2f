/**
 * `run --listen`: the live page (/), its events, /metrics, /run.json and, once the run is over,
 * /report — an output fed only by the run's start, its interval records and the finished run
 * file. Everything runs on the main thread between ticks; the load threads never wait for it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactConfig } from '../../config/redact.js';
import { RUN_FILE } from '../../results/runFolder.js';
import { readRuns } from '../../results/readRuns.js';
import type { RunFile } from '../../results/types.js';
import { renderReport } from '../../report/html.js';
import { runLabels, type IntervalRecord, type Output, type RunStart } from '../output.js';
import { LiveMetrics } from './liveMetrics.js';
import { livePage } from './livePage.js';
import { LiveServer, type ListenAddress } from './liveServer.js';

const REPORT_FILE = 'report.html';
/** The longest wait for a scraper's last look at the final figures. */
const MAX_FINAL_SCRAPE_WAIT_MS = 60_000;

export class LiveSession implements Output {
  readonly description: string;
  private readonly metrics = new LiveMetrics();
  private dir: string | null = null;
  private reportFile: string | null = null;
  private page: string | null = null;
  private readonly scrapeTimes: number[] = [];
  private server: LiveServer | null = null;

  private constructor(private readonly log: (line: string) => void) {
    this.description = 'live page';
  }

  /** Starts the server before the run (its address is printed), so a bad address refuses the run. */
  static async open(listen: ListenAddress, log: (line: string) => void): Promise<LiveSession> {
    const session = new LiveSession(log);
    session.server = await LiveServer.start(listen, {
      metrics: () => session.metrics.text(),
      contentType: session.metrics.contentType,
      page: () => (session.page ??= livePage()),
      runFile: () => (session.dir ? readFileSync(join(session.dir, RUN_FILE), 'utf8') : null),
      reportFile: () => session.reportFile,
      onScrape: () => session.scrapeTimes.push(Date.now()),
    }).catch((error: unknown) => {
      throw new Error(`--listen ${listen.host}:${listen.port}: cannot listen (${(error as NodeJS.ErrnoException).code ?? String(error)}); nothing was run`);
    });
    const { url } = session.server;
    log(`live: ${url} (page), ${url}metrics (Prometheus), ${url}run.json`);
    return session;
  }

  start({ run, dir }: RunStart): void {
    this.dir = dir;
    this.metrics.setRun(runLabels(run));
    this.server?.send('settings', { runId: run.runId, scenario: run.scenario, startedAt: run.startedAt, server: { flavour: run.server.flavour, version: run.server.version }, config: redactConfig(run.config), tags: run.tags ?? {} });
  }

  interval({ stats, merged }: IntervalRecord): void {
    this.metrics.addInterval(stats, merged);
    this.server?.send('interval', stats);
  }

  /** The run ended: report written, final event sent, last scrape served. */
  async end(run: RunFile | null): Promise<void> {
    if (this.server && this.dir && run) {
      try {
        const file = join(this.dir, REPORT_FILE);
        writeFileSync(file, renderReport(readRuns(this.dir)));
        this.reportFile = file;
      } catch (error) {
        this.log(`live: no HTML report (${error instanceof Error ? error.message : String(error)})`);
      }
      this.server.send('end', { state: run.state, summary: run.summary, error: run.error, reportFile: this.reportFile });
    }
    await this.awaitFinalScrape();
    await this.server?.close();
  }

  /** A Prometheus that scraped during the run gets one more look at the final figures. */
  private async awaitFinalScrape(): Promise<void> {
    const times = this.scrapeTimes;
    if (!this.server || times.length === 0) return;
    const seen = times.length;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const waitMs = Math.min(MAX_FINAL_SCRAPE_WAIT_MS, 2 * Math.max(1000, ...gaps) + 1000);
    this.log(`live: waiting for the final scrape of /metrics (at most ${Math.round(waitMs / 1000)} s)`);
    const deadline = Date.now() + waitMs;
    while (times.length === seen && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
