/**
 * The latency histogram of /metrics, in Prometheus's histogram type (cumulative `_bucket{le}`,
 * `_sum`, `_count`) over fixed buckets, fed one whole interval histogram per operation type at a
 * time. prom-client's Histogram only takes one observe() per value: fed from the interval's
 * HdrHistogram that was one call per operation, several milliseconds per tick on the main thread
 * at thousands of operations per second, where this adds each HdrHistogram bucket's count at once.
 */
import { forEachBucket, type Histogram } from '../../metrics/histogram.js';

/** One sample: its labels include `__name__`. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Bucket bounds in seconds, fixed so that runs and shards add up in PromQL. */
const LATENCY_BUCKETS_SEC = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

export class LatencyBuckets {
  /** Per op type: counts per bucket (not cumulative; the last is above every bound), sum of seconds, count. */
  private readonly byOp = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  add(op: string, histogram: Histogram): void {
    let series = this.byOp.get(op);
    if (!series) this.byOp.set(op, (series = { counts: new Array<number>(LATENCY_BUCKETS_SEC.length + 1).fill(0), sum: 0, count: 0 }));
    const into = series;
    forEachBucket(histogram, (valueUs, count) => {
      const seconds = valueUs / 1e6;
      let index = 0;
      while (index < LATENCY_BUCKETS_SEC.length && seconds > LATENCY_BUCKETS_SEC[index]!) index++;
      into.counts[index]! += count;
      into.sum += seconds * count;
      into.count += count;
    });
  }

  /** Every sample, each with `labels` added (the run's). */
  samples(labels: Record<string, string>): Sample[] {
    const samples: Sample[] = [];
    for (const [op, { counts, sum, count }] of this.byOp) {
      let cumulative = 0;
      LATENCY_BUCKETS_SEC.forEach((bound, i) => {
        cumulative += counts[i]!;
        samples.push({ labels: { __name__: `${this.name}_bucket`, le: String(bound), op, ...labels }, value: cumulative });
      });
      samples.push({ labels: { __name__: `${this.name}_bucket`, le: '+Inf', op, ...labels }, value: count });
      samples.push({ labels: { __name__: `${this.name}_sum`, op, ...labels }, value: sum });
      samples.push({ labels: { __name__: `${this.name}_count`, op, ...labels }, value: count });
    }
    return samples;
  }

  /** The text exposition of the family (HELP, TYPE, one line per sample). */
  text(labels: Record<string, string>): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels: all, value } of this.samples(labels)) {
      const { __name__: name, ...rest } = all;
      const pairs = Object.entries(rest).map(([key, text]) => `${key}="${text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
      lines.push(`${name}{${pairs.join(',')}} ${value}`);
    }
    return lines.join('\n');
  }
}
