/**
 * Is the harness itself steady over a long run? The least-squares slope of its RSS over the
 * intervals of timeline.csv, after a warm-up share is dropped (heaps grow at the start and then
 * settle; histograms, not sample lists, keep memory flat after that).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { leastSquaresSlope } from './stats.js';

export interface SoakReport {
  intervals: number;
  rssStartMb: number;
  rssEndMb: number;
  /** MB per minute over the steady part of the run. */
  rssSlopeMbPerMin: number;
  maxLoopDelayMs: number;
  meanCpuPct: number;
}

/** Reads the `all` rows of a run's timeline.csv (the harness's own columns hold no commas or quotes). */
export function soakReport(runDir: string, warmupShare = 0.2): SoakReport {
  const [header, ...lines] = readFileSync(join(runDir, 'timeline.csv'), 'utf8').trim().split('\n');
  const columns = (header ?? '').split(',');
  const column = (name: string): number => columns.indexOf(name);
  const rows = lines.map((line) => line.split(',')).filter((cells) => cells[column('op')] === 'all' && cells[column('client_rss_mb')] !== '');
  const elapsed = rows.map((cells) => Number(cells[column('elapsed_s')]));
  const rss = rows.map((cells) => Number(cells[column('client_rss_mb')]));
  const steadyFrom = Math.floor(rows.length * warmupShare);
  const slopePerSec = leastSquaresSlope(elapsed.slice(steadyFrom), rss.slice(steadyFrom));
  const cpu = rows.map((cells) => Number(cells[column('client_cpu_pct')]));
  return {
    intervals: rows.length,
    rssStartMb: rss[0] ?? 0,
    rssEndMb: rss[rss.length - 1] ?? 0,
    rssSlopeMbPerMin: Math.round(slopePerSec * 60 * 1000) / 1000,
    maxLoopDelayMs: Math.max(0, ...rows.map((cells) => Number(cells[column('client_loop_delay_p99_ms')]))),
    meanCpuPct: cpu.length ? Math.round((cpu.reduce((a, b) => a + b, 0) / cpu.length) * 10) / 10 : 0,
  };
}
