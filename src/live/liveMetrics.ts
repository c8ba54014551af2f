/**
 * A run's figures as Prometheus series, kept by prom-client: what /metrics serves and remote
 * write pushes. Updated once per interval from the interval record (never per operation), so the
 * workers never see it. Labels name the run (run id, scenario, driver, shard) and what was
 * counted (operation type, errno, server variable); no option value, host or SQL text is a label.
 */
import { Counter, Gauge, Histogram as PromHistogram, Registry } from 'prom-client';
import { forEachBucket } from '../metrics/histogram.js';
import type { IntervalStats, MergedInterval } from '../metrics/intervalStats.js';
import type { OpCounts } from '../metrics/opMeters.js';

/** Latency buckets in seconds, fixed so that runs and shards add up in PromQL. */
export const LATENCY_BUCKETS_SEC = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

export interface RunLabels {
  run_id: string;
  scenario: string;
  /** The client library the workers use. */
  driver: string;
  /** "i/N" of a sharded run; absent otherwise. */
  shard?: string;
}

/** Per operation type counters: metric name → the OpCounts field it adds up. */
const OP_COUNTERS: Array<[string, string, keyof OpCounts]> = [
  ['innobench_operations_total', 'operations that finished successfully (after any retries)', 'ops'],
  ['innobench_retries_total', 'attempts repeated after a deadlock or lock-wait timeout', 'retries'],
  ['innobench_deadlocks_total', 'errno 1213 (deadlock) seen by the workers', 'deadlocks'],
  ['innobench_lock_wait_timeouts_total', 'errno 1205 (lock wait timeout) seen by the workers', 'lockWaitTimeouts'],
  ['innobench_retries_exhausted_total', 'operations that gave up after --retries attempts', 'exhausted'],
  ['innobench_dropped_operations_total', 'open loop: operations due while every worker was busy, never started', 'dropped'],
  ['innobench_rows_total', 'rows written (or read) by the successful operations', 'rows'],
];

export class LiveMetrics {
  readonly registry = new Registry();
  private readonly opCounters = new Map<keyof OpCounts, Counter<'op'>>();
  private readonly errors: Counter<'op' | 'errno'>;
  private readonly latency: PromHistogram<'op'>;
  private readonly intervalLatency: Gauge<'op' | 'quantile'>;
  private readonly serverCounters: Counter<'variable'>;
  private readonly serverGauges: Gauge<'variable'>;
  private readonly intervals: Counter;

  constructor() {
    const registers = [this.registry];
    for (const [name, help, field] of OP_COUNTERS) this.opCounters.set(field, new Counter({ name, help, labelNames: ['op'], registers }));
    this.errors = new Counter({ name: 'innobench_errors_total', help: 'errors neither retried nor recovered, by errno (or driver code)', labelNames: ['op', 'errno'], registers });
    this.latency = new PromHistogram({ name: 'innobench_latency_seconds', help: 'operation latency (successful operations)', labelNames: ['op'], buckets: LATENCY_BUCKETS_SEC, registers });
    this.intervalLatency = new Gauge({ name: 'innobench_interval_latency_seconds', help: "the last interval's latency percentiles", labelNames: ['op', 'quantile'], registers });
    this.serverCounters = new Counter({ name: 'innobench_server_status_total', help: "the server's SHOW GLOBAL STATUS counters, sampled each interval (growth since the run began)", labelNames: ['variable'], registers });
    this.serverGauges = new Gauge({ name: 'innobench_server_status', help: "the server's SHOW GLOBAL STATUS gauges at the last sample", labelNames: ['variable'], registers });
    this.intervals = new Counter({ name: 'innobench_intervals_total', help: 'intervals recorded so far', registers });
  }

  /** Names the run on every series (set once the run has an id). */
  setRun(labels: RunLabels): void {
    const { shard, ...always } = labels;
    this.registry.setDefaultLabels(shard ? { ...always, shard } : always);
  }

  /** Adds one interval: its counts, its latencies re-binned into the fixed buckets, its server deltas. */
  addInterval(stats: IntervalStats, merged: MergedInterval): void {
    for (const [op, { counts, histogram }] of merged.byOp) {
      for (const [field, counter] of this.opCounters) counter.inc({ op }, Number(counts[field]));
      for (const [key, n] of Object.entries(counts.errorsByCode)) this.errors.inc({ op, errno: key.split(' ')[0] ?? key }, n);
      const child = this.latency.labels({ op });
      forEachBucket(histogram, (valueUs, count) => {
        const seconds = valueUs / 1e6;
        for (let i = 0; i < count; i++) child.observe(seconds);
      });
    }
    for (const [op, interval] of [...Object.entries(stats.byOp), ['all', stats.all] as const]) {
      if (interval.counts.ops === 0) continue;
      for (const [quantile, ms] of [['0.5', interval.latencyMs.p50], ['0.95', interval.latencyMs.p95], ['0.99', interval.latencyMs.p99]] as const) {
        this.intervalLatency.set({ op, quantile }, ms / 1000);
      }
    }
    if (stats.status) {
      for (const [variable, delta] of Object.entries(stats.status.delta)) this.serverCounters.inc({ variable }, delta);
      for (const [variable, value] of Object.entries(stats.status.gauges)) this.serverGauges.set({ variable }, value);
    }
    this.intervals.inc();
  }
}
