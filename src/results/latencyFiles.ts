/**
 * The whole-window latency files of a run folder: `latency.hgrm` (HdrHistogram's percentile
 * distribution) over every operation once, and one `latency-<op>.hgrm` per op type when there
 * are several, named so that any op type (`part:node h:p`) makes a plain file name.
 */
import { percentileDistributionMs } from '../metrics/histogram.js';
import type { OpTotals } from '../metrics/opTotals.js';

const LATENCY_FILE = 'latency.hgrm';

/** File name → content. */
export function latencyFiles(totals: OpTotals): Map<string, string> {
  const files = new Map<string, string>([[LATENCY_FILE, percentileDistributionMs(totals.all().histogram)]]);
  if (totals.byOp.size < 2) return files;
  for (const [op, { histogram }] of totals.byOp) files.set(uniqueName(files, `latency-${safeFileStem(op)}`), percentileDistributionMs(histogram));
  return files;
}

/** Letters, digits, '.', '-' and '_' kept; every other run of characters becomes one '_'. */
export function safeFileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

function uniqueName(taken: Map<string, string>, stem: string): string {
  let name = `${stem}.hgrm`;
  for (let n = 2; taken.has(name); n++) name = `${stem}-${n}.hgrm`;
  return name;
}
