/**
 * What `run --listen` and `--prometheus-remote-write` add to a run, fed only by the orchestrator's
 * start and interval callbacks and by the finished run file: the series (LiveMetrics), the HTTP
 * server (page, events, /metrics, /run.json, /report) and the remote writer. Everything runs on
 * the main thread between ticks; the load threads never wait for it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactConfig } from '../config/redact.js';
import type { IntervalStats, MergedInterval } from '../metrics/intervalStats.js';
import { RUN_FILE } from '../results/runFolder.js';
import { readRuns } from '../results/readRuns.js';
import type { RunFile } from '../results/types.js';
import { renderReport } from '../report/html.js';
import { LiveMetrics } from './liveMetrics.js';
import { livePage } from './livePage.js';
import { LiveServer, type ListenAddress } from './liveServer.js';
import { RemoteWriter } from './remoteWrite.js';

interface LiveOptions {
  listen?: ListenAddress;
  remoteWriteUrl?: string;
  log: (line: string) => void;
}

const REPORT_FILE = 'report.html';
/** How long the end waits for the last remote write to land. */
const FINAL_PUSH_MS = 15_000;
/** The longest wait for a scraper's last look at the final figures. */
const MAX_FINAL_SCRAPE_WAIT_MS = 60_000;

export class LiveSession {
  private readonly metrics = new LiveMetrics();
  private server: LiveServer | null = null;
  private readonly writer: RemoteWriter | null;
  private dir: string | null = null;
  private reportFile: string | null = null;
  private page: string | null = null;
  private readonly scrapeTimes: number[] = [];

  private constructor(
    private readonly log: (line: string) => void,
    remoteWriteUrl: string | undefined,
  ) {
    this.writer = remoteWriteUrl ? new RemoteWriter(remoteWriteUrl, () => this.metrics.samples(), log) : null;
  }

  /** Starts the server (its address is printed) and the writer; null when neither was asked for. */
  static async open(options: LiveOptions): Promise<LiveSession | null> {
    if (!options.listen && !options.remoteWriteUrl) return null;
    const session = new LiveSession(options.log, options.remoteWriteUrl);
    if (options.listen) {
      const { host, port } = options.listen;
      const server = await LiveServer.start(options.listen, {
        metrics: () => session.metrics.text(),
        contentType: session.metrics.contentType,
        page: () => (session.page ??= livePage()),
        runFile: () => (session.dir ? readFileSync(join(session.dir, RUN_FILE), 'utf8') : null),
        reportFile: () => session.reportFile,
        onScrape: () => session.scrapeTimes.push(Date.now()),
      }).catch((error: unknown) => {
        throw new Error(`--listen ${host}:${port}: cannot listen (${(error as NodeJS.ErrnoException).code ?? String(error)}); nothing was run`);
      });
      session.server = server;
      options.log(`live: ${server.url} (page), ${server.url}metrics (Prometheus), ${server.url}run.json`);
    }
    if (session.writer) options.log(`live: remote write to ${session.writer.shownUrl} every interval`);
    return session;
  }

  readonly onStart = (run: RunFile, dir: string): void => {
    this.dir = dir;
    const shard = shardLabel(run.config.shard);
    this.metrics.setRun({ run_id: run.runId, scenario: run.scenario, driver: 'mysql2', ...(shard ? { shard } : {}) });
    this.server?.send('settings', { runId: run.runId, scenario: run.scenario, startedAt: run.startedAt, server: { flavour: run.server.flavour, version: run.server.version }, config: redactConfig(run.config) });
  };

  readonly onInterval = (stats: IntervalStats, merged: MergedInterval): void => {
    this.metrics.addInterval(stats, merged);
    this.server?.send('interval', stats);
    this.writer?.push();
  };

  /** The run ended: report written, final event sent, last push delivered, last scrape served. */
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
    await this.writer?.flush(FINAL_PUSH_MS);
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

/** "i/N" of the `{ index, of }` (0-based) a sharded run records in its config. */
function shardLabel(shard: unknown): string | null {
  if (typeof shard !== 'object' || shard === null || !('index' in shard) || !('of' in shard)) return null;
  return typeof shard.index === 'number' && typeof shard.of === 'number' ? `${shard.index + 1}/${shard.of}` : null;
}
