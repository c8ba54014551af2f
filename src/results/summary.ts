/**
 * A summary from the totals of a measured window: per op type and, by OpTotals' one rule, for
 * every operation once. The run, its interval updates and `merge` all build it here.
 */
import { latencySummaryMs, type Histogram } from '../metrics/histogram.js';
import type { OpCounts } from '../metrics/opMeters.js';
import type { OpTotals } from '../metrics/opTotals.js';
import type { OpSummary, Summary } from './types.js';

export function opSummary(counts: OpCounts, histogram: Histogram, elapsedSec: number): OpSummary {
  return { ...counts, errorsByCode: { ...counts.errorsByCode }, opsPerSec: elapsedSec > 0 ? Math.round((counts.ops / elapsedSec) * 100) / 100 : 0, latencyMs: latencySummaryMs(histogram) };
}

export function summarize(totals: OpTotals, elapsedSec: number, endReason: Summary['endReason']): Summary {
  const byOp: Record<string, OpSummary> = {};
  for (const [op, { counts, histogram }] of totals.byOp) byOp[op] = opSummary(counts, histogram, elapsedSec);
  const all = totals.all();
  return { ...opSummary(all.counts, all.histogram, elapsedSec), elapsedSec: Math.round(elapsedSec * 1000) / 1000, endReason, byOp };
}
