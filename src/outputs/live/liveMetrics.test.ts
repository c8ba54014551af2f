import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveMetrics } from './liveMetrics.js';
import { intervalStats } from '../../metrics/intervalStats.js';
import { OpTotals } from '../../metrics/opTotals.js';
import { newHistogram, recordMicros } from '../../metrics/histogram.js';
import { emptyCounts, type OpCounts } from '../../metrics/opMeters.js';

function interval(seq: number, latenciesUs: number[], more: Partial<OpCounts> = {}, comInsert = latenciesUs.length) {
  const histogram = newHistogram();
  for (const us of latenciesUs) recordMicros(histogram, us);
  const counts: OpCounts = { ...emptyCounts(), ops: latenciesUs.length, attempts: latenciesUs.length, rows: latenciesUs.length * 2, ...more };
  const merged = new OpTotals();
  merged.add('insert', counts, histogram);
  const status = { seconds: 1, delta: { Com_insert: comInsert, Innodb_data_fsyncs: 3 }, gauges: { Threads_running: seq + 1 }, reset: false };
  return { stats: intervalStats(seq, seq, 1, merged, status), merged };
}

/** The value of one sample of the exposition text: `name{a="1",b="2"}`, labels in any order. */
function sample(text: string, series: string): number {
  const key = (s: string): string => {
    const [, name, labels] = /^([^{ ]+)(?:\{(.*)\})?$/.exec(s)!;
    return `${name}{${(labels ?? '').split(/,(?=[a-z_]+=")/).filter(Boolean).sort().join(',')}}`;
  };
  const wanted = key(series);
  const line = text.split('\n').find((l) => !l.startsWith('#') && l.includes(' ') && key(l.slice(0, l.lastIndexOf(' '))) === wanted);
  assert.ok(line, `no ${series} in\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('two intervals add up: counters, errors by errno, latency buckets, server counters; gauges hold the last interval', async () => {
  const metrics = new LiveMetrics();
  metrics.setRun({ run_id: 'r1', scenario: 'insert-features', driver: 'mysql2' });
  const first = interval(1, [300, 800, 1500], { retries: 2, deadlocks: 2, errors: 1, errorsByCode: { '1062 ER_DUP_ENTRY': 1 } });
  metrics.addInterval(first.stats, first.merged);
  const second = interval(2, [2500, 40_000], { dropped: 4, errors: 2, errorsByCode: { '1062 ER_DUP_ENTRY': 1, ECONNRESET: 1 } }, 7);
  metrics.addInterval(second.stats, second.merged);
  const text = await metrics.text();
  const run = 'run_id="r1",scenario="insert-features",driver="mysql2"';
  assert.equal(sample(text, `innobench_operations_total{op="insert",${run}}`), 5);
  assert.equal(sample(text, `innobench_rows_total{op="insert",${run}}`), 10);
  assert.equal(sample(text, `innobench_retries_total{op="insert",${run}}`), 2);
  assert.equal(sample(text, `innobench_deadlocks_total{op="insert",${run}}`), 2);
  assert.equal(sample(text, `innobench_dropped_operations_total{op="insert",${run}}`), 4);
  assert.equal(sample(text, `innobench_errors_total{op="insert",errno="1062",${run}}`), 2);
  assert.equal(sample(text, `innobench_errors_total{op="insert",errno="ECONNRESET",${run}}`), 1);
  assert.equal(sample(text, `innobench_latency_seconds_count{op="insert",${run}}`), 5);
  assert.equal(sample(text, `innobench_latency_seconds_bucket{le="0.001",op="insert",${run}}`), 2);
  assert.equal(sample(text, `innobench_latency_seconds_bucket{le="0.002",op="insert",${run}}`), 3);
  assert.equal(sample(text, `innobench_latency_seconds_bucket{le="0.05",op="insert",${run}}`), 5);
  assert.ok(Math.abs(sample(text, `innobench_latency_seconds_sum{op="insert",${run}}`) - 0.0451) < 0.0001);
  assert.equal(sample(text, `innobench_server_status_total{variable="Com_insert",${run}}`), 10);
  assert.equal(sample(text, `innobench_server_status_total{variable="Innodb_data_fsyncs",${run}}`), 6);
  assert.equal(sample(text, `innobench_server_status{variable="Threads_running",${run}}`), 3);
  assert.equal(sample(text, `innobench_interval_latency_seconds{op="all",quantile="0.99",${run}}`), second.stats.all.latencyMs.p99 / 1000);
  assert.equal(sample(text, `innobench_intervals_total{${run}}`), 2);
  assert.match(text, /# TYPE innobench_latency_seconds histogram/);
  // Remote write pushes the same values.
  const pushed = new Map((await metrics.samples()).map(({ labels, value }) => [JSON.stringify(Object.entries(labels).sort()), value]));
  const key = (labels: Record<string, string>): string => JSON.stringify(Object.entries({ ...labels, run_id: 'r1', scenario: 'insert-features', driver: 'mysql2' }).sort());
  assert.equal(pushed.get(key({ __name__: 'innobench_operations_total', op: 'insert' })), 5);
  assert.equal(pushed.get(key({ __name__: 'innobench_latency_seconds_bucket', op: 'insert', le: '0.002' })), 3);
  assert.equal(pushed.get(key({ __name__: 'innobench_latency_seconds_count', op: 'insert' })), 5);
  assert.equal(pushed.get(key({ __name__: 'innobench_server_status_total', variable: 'Com_insert' })), 10);
});

test('a sharded run carries its shard label', async () => {
  const metrics = new LiveMetrics();
  metrics.setRun({ run_id: 'r2', scenario: 'read', driver: 'mysql2', shard: '2/3' });
  const one = interval(1, [100]);
  metrics.addInterval(one.stats, one.merged);
  assert.match(await metrics.text(), /innobench_operations_total\{op="insert",run_id="r2",scenario="read",driver="mysql2",shard="2\/3"\} 1\n/);
});
