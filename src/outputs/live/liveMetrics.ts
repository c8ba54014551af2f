/**
 * A run's figures as Prometheus series, kept by prom-client (the latency histogram beside it, see
 * latencyBuckets.ts): what /metrics serves and remote write pushes. Updated once per interval from the interval record (never per operation), so the
 * workers never see it. Labels name the run (run id, scenario, driver, shard, --tag labels) and what was
 * counted (operation type, errno, server variable); no option value, host or SQL text is a label.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { LatencyBuckets, type Sample } from './latencyBuckets.js';
import type { IntervalStats, MergedInterval } from '../../metrics/intervalStats.js';
import type { OpCounts } from '../../metrics/opMeters.js';


/** The OpCounts fields that are plain counts. */
type CountField = { [K in keyof OpCounts]: OpCounts[K] extends number ? K : never }[keyof OpCounts];

/** Per operation type counters: metric name → the OpCounts field it adds up. */
const OP_COUNTERS: Array<[string, string, CountField]> = [
  ['innobench_operations_total', 'operations that finished successfully (after any retries)', 'ops'],
  ['innobench_retries_total', 'attempts repeated after a deadlock or lock-wait timeout', 'retries'],
  ['innobench_deadlocks_total', 'errno 1213 (deadlock) seen by the workers', 'deadlocks'],
  ['innobench_lock_wait_timeouts_total', 'errno 1205 (lock wait timeout) seen by the workers', 'lockWaitTimeouts'],
  ['innobench_retries_exhausted_total', 'operations that gave up after --retries attempts', 'exhausted'],
  ['innobench_dropped_operations_total', 'open loop: operations due while every worker was busy, never started', 'dropped'],
  ['innobench_rows_total', 'rows written (or read) by the successful operations', 'rows'],
];

export class LiveMetrics {
  private readonly registry = new Registry();
  private runLabels: Record<string, string> = {};
  private readonly opCounters = new Map<CountField, Counter<'op'>>();
  private readonly errors: Counter<'op' | 'errno'>;
  private readonly latency = new LatencyBuckets('innobench_latency_seconds', 'operation latency (successful operations)');
  private readonly intervalLatency: Gauge<'op' | 'quantile'>;
  private readonly serverCounters: Counter<'variable'>;
  private readonly serverGauges: Gauge<'variable'>;
  private readonly intervals: Counter;

  constructor() {
    const registers = [this.registry];
    for (const [name, help, field] of OP_COUNTERS) this.opCounters.set(field, new Counter({ name, help, labelNames: ['op'], registers }));
    this.errors = new Counter({ name: 'innobench_errors_total', help: 'errors neither retried nor recovered, by errno (or driver code)', labelNames: ['op', 'errno'], registers });
    this.intervalLatency = new Gauge({ name: 'innobench_interval_latency_seconds', help: "the last interval's latency percentiles", labelNames: ['op', 'quantile'], registers });
    this.serverCounters = new Counter({ name: 'innobench_server_status_total', help: "the server's SHOW GLOBAL STATUS counters, sampled each interval (growth since the run began)", labelNames: ['variable'], registers });
    this.serverGauges = new Gauge({ name: 'innobench_server_status', help: "the server's SHOW GLOBAL STATUS gauges at the last sample", labelNames: ['variable'], registers });
    this.intervals = new Counter({ name: 'innobench_intervals_total', help: 'intervals recorded so far', registers });
  }

  /** Names the run on every series (set once the run has an id): run id, scenario, driver, shard, the user's tags. */
  setRun(labels: Record<string, string>): void {
    this.runLabels = { ...labels };
    this.registry.setDefaultLabels(this.runLabels);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every series (what /metrics serves). */
  async text(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.latency.text(this.runLabels)}\n`;
  }

  /** Every series' current value (what remote write pushes). */
  async samples(): Promise<Sample[]> {
    const samples: Sample[] = [];
    for (const metric of await this.registry.getMetricsAsJSON()) {
      for (const value of metric.values) {
        const name = 'metricName' in value && typeof value.metricName === 'string' ? value.metricName : metric.name;
        const labels: Record<string, string> = { __name__: name };
        for (const [label, text] of Object.entries(value.labels)) if (text !== undefined) labels[label] = String(text);
        samples.push({ labels, value: value.value });
      }
    }
    return [...samples, ...this.latency.samples(this.runLabels)];
  }

  /** Adds one interval: its counts, its latencies re-binned into the fixed buckets, its server deltas. */
  addInterval(stats: IntervalStats, merged: MergedInterval): void {
    for (const [op, { counts, histogram }] of merged.byOp) {
      for (const [field, counter] of this.opCounters) counter.inc({ op }, counts[field]);
      for (const [key, n] of Object.entries(counts.errorsByCode)) this.errors.inc({ op, errno: key.split(' ')[0] ?? key }, n);
      this.latency.add(op, histogram);
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
