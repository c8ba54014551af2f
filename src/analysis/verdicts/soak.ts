/**
 * Is the harness itself steady over a long run? The least-squares slope of its RSS over the
 * intervals, after a warm-up share is dropped (heaps grow at the start and then settle;
 * histograms, not sample lists, keep memory flat after that). Pure: the samples are handed in.
 */
import type { ClientSample } from '../../results/readRuns.js';
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

export function soakReport(samples: readonly ClientSample[], warmupShare = 0.2): SoakReport {
  const elapsed = samples.map((sample) => sample.elapsedSec);
  const rss = samples.map((sample) => sample.rssMb);
  const cpu = samples.map((sample) => sample.cpuPct);
  const steadyFrom = Math.floor(samples.length * warmupShare);
  const slopePerSec = leastSquaresSlope(elapsed.slice(steadyFrom), rss.slice(steadyFrom));
  return {
    intervals: samples.length,
    rssStartMb: rss[0] ?? 0,
    rssEndMb: rss[rss.length - 1] ?? 0,
    rssSlopeMbPerMin: Math.round(slopePerSec * 60 * 1000) / 1000,
    maxLoopDelayMs: Math.max(0, ...samples.map((sample) => sample.loopDelayP99Ms)),
    meanCpuPct: cpu.length ? Math.round((cpu.reduce((a, b) => a + b, 0) / cpu.length) * 10) / 10 : 0,
  };
}
