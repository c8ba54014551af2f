/**
 * Counts and latencies per operation type, added up over any span (one interval, a whole run, a
 * merged set of shards). It holds the one rule for "all operations": every op type except the
 * `part:` statements timed inside an operation, which would count those operations twice.
 */
import { addCounts, emptyCounts, isPart, type OpCounts } from './opMeters.js';
import { newHistogram, type Histogram } from './histogram.js';

export interface OpTotal {
  counts: OpCounts;
  histogram: Histogram;
}

export class OpTotals {
  readonly byOp = new Map<string, OpTotal>();

  /** Adds one op type's figures (neither argument is kept). */
  add(op: string, counts: OpCounts, histogram?: Histogram): void {
    let total = this.byOp.get(op);
    if (!total) this.byOp.set(op, (total = { counts: emptyCounts(), histogram: newHistogram() }));
    addCounts(total.counts, counts);
    if (histogram) total.histogram.add(histogram);
  }

  addTotals(more: OpTotals): void {
    for (const [op, { counts, histogram }] of more.byOp) this.add(op, counts, histogram);
  }

  /** Every operation once: the op types that are not `part:` statements, added together. */
  all(): OpTotal {
    const all = { counts: emptyCounts(), histogram: newHistogram() };
    for (const [op, { counts, histogram }] of this.byOp) {
      if (isPart(op)) continue;
      addCounts(all.counts, counts);
      all.histogram.add(histogram);
    }
    return all;
  }
}
