/**
 * `--out influxdb=URL`: each interval as InfluxDB line protocol points, one per op type, POSTed
 * in the background (InfluxDB 1.x `/write`, 2.x `/api/v2/write`, and the many tools that accept
 * the protocol). As with k6, `http://host:8086/NAME` writes to database NAME; a URL whose path
 * already ends in `/write` is used as given. Points are per-interval deltas, so a push that does
 * not land is a gap (said at the end), never a double count. A 2.x token comes from
 * INNOBENCH_INFLUXDB_TOKEN, never the command line.
 */
import type { IntervalStats } from '../metrics/intervalStats.js';
import type { RunFile } from '../results/types.js';
import { HttpPusher } from './live/httpPusher.js';
import { runLabels, type IntervalRecord, type Output, type RunStart } from './output.js';

/** How long the end waits for the last points to land. */
const FINAL_PUSH_MS = 15_000;
const MEASUREMENT = 'innobench_interval';

export class InfluxdbOutput implements Output {
  readonly description: string;
  private readonly pusher: HttpPusher;
  private labels: Record<string, string> = {};
  private startedAtMs = 0;

  constructor(url: string, log: (line: string) => void, token = process.env.INNOBENCH_INFLUXDB_TOKEN) {
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', ...(token ? { authorization: `Token ${token}` } : {}) };
    this.pusher = new HttpPusher(influxWriteUrl(url), { name: 'influxdb', headers, cumulative: false }, log);
    this.description = `influxdb=${this.pusher.shownUrl}`;
  }

  start({ run, startedAtMs }: RunStart): void {
    this.labels = runLabels(run);
    this.startedAtMs = startedAtMs;
  }

  interval({ stats }: IntervalRecord): void {
    const text = lineProtocolPoints(stats, this.labels, this.startedAtMs);
    if (text) this.pusher.push(new TextEncoder().encode(text));
  }

  async end(_run: RunFile | null): Promise<void> {
    await this.pusher.flush(FINAL_PUSH_MS);
  }
}

/** The write endpoint, with ms precision asked for (the points carry ms timestamps). */
export function influxWriteUrl(text: string): string {
  const url = new URL(text);
  if (!/\/write$/.test(url.pathname)) {
    const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || 'innobench';
    url.pathname = '/write';
    url.searchParams.set('db', database);
  }
  if (!url.searchParams.has('precision')) url.searchParams.set('precision', 'ms');
  return url.href;
}

/** One point per op type: counts as integers, rates and latencies (ms) as floats; time = the interval's end. */
export function lineProtocolPoints(stats: IntervalStats, labels: Record<string, string>, startedAtMs: number): string {
  const time = Math.round(startedAtMs + stats.elapsedSec * 1000);
  const common = Object.entries(labels).map(([key, value]) => `,${escapeKey(key)}=${escapeKey(value)}`).join('');
  return Object.entries(stats.byOp)
    .map(([op, { counts, opsPerSec, latencyMs }]) => {
      const integers = { ops: counts.ops, attempts: counts.attempts, errors: counts.errors, retries: counts.retries, deadlocks: counts.deadlocks, lock_wait_timeouts: counts.lockWaitTimeouts, rows: counts.rows, dropped: counts.dropped, seq: stats.seq };
      const floats = { seconds: stats.seconds, ops_per_s: opsPerSec, p50_ms: latencyMs.p50, p95_ms: latencyMs.p95, p99_ms: latencyMs.p99, max_ms: latencyMs.max, mean_ms: latencyMs.mean };
      const fields = [...Object.entries(integers).map(([k, v]) => `${k}=${Math.round(v)}i`), ...Object.entries(floats).map(([k, v]) => `${k}=${Number.isFinite(v) ? v : 0}`)];
      return `${MEASUREMENT},op=${escapeKey(op)}${common} ${fields.join(',')} ${time}`;
    })
    .map((line) => line + '\n')
    .join('');
}

/** Line protocol: commas, spaces and '=' in tag keys and values are escaped with a backslash. */
function escapeKey(text: string): string {
  return text.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
