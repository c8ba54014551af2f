import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intervalStats, mergeSnapshots } from './intervalStats.js';
import { OpMeters, addCounts, emptyCounts, type MetersSnapshot } from './opMeters.js';
import { decodeHistogram, latencySummaryMs, newHistogram, recordMicros } from './histogram.js';
import { seededRandom } from '../data/random.js';
import type { StatusDelta } from './serverStatus.js';
import type { LatencySummaryMs } from './histogram.js';

/**
 * Latency summaries equal; the max only within the histogram's 3 significant digits, since a
 * histogram that crossed threads (encoded) keeps its max as the bucket's highest equivalent value.
 */
function assertSameSummary(actual: LatencySummaryMs, expected: LatencySummaryMs, label = ''): void {
  const { max: actualMax, ...actualRest } = actual;
  const { max: expectedMax, ...expectedRest } = expected;
  assert.deepEqual(actualRest, expectedRest, label);
  assert.ok(actualMax >= expectedMax && actualMax - expectedMax <= expectedMax / 1000 + 0.001, `${label} max ${actualMax} vs ${expectedMax}`);
}

interface Fed {
  snapshots: MetersSnapshot[];
  /** Every value each op received, across all threads. */
  values: Map<string, number[]>;
}

/** Simulates `threads` load threads, each metering a few ops of two types, and snapshots them. */
function feedThreads(threads: number, seed: number): Fed {
  const random = seededRandom(seed);
  const values = new Map<string, number[]>();
  const snapshots: MetersSnapshot[] = [];
  for (let t = 0; t < threads; t++) {
    const meters = new OpMeters();
    for (let i = 0; i < 200 + t * 37; i++) {
      const op = random() < 0.7 ? 'insert' : 'select';
      const meter = meters.meter(op);
      const us = 50 + random() * 100_000;
      meters.record(meter, us);
      meter.counts.ops++;
      meter.counts.attempts += 2;
      meter.counts.retries++;
      meter.counts.rows += 3;
      meter.counts.commits++;
      if (i % 10 === 0) {
        meter.counts.deadlocks++;
        meter.counts.rollbacks++;
        meter.counts.errors++;
        meter.counts.errorsByCode['1213 ER_LOCK_DEADLOCK'] = (meter.counts.errorsByCode['1213 ER_LOCK_DEADLOCK'] ?? 0) + 1;
      }
      if (i % 50 === 0) meter.counts.errorsByCode[`code-${t}`] = (meter.counts.errorsByCode[`code-${t}`] ?? 0) + 1;
      const list = values.get(op) ?? [];
      list.push(us);
      values.set(op, list);
    }
    snapshots.push(meters.takeSnapshot());
  }
  return { snapshots, values };
}

test('a snapshot encodes this interval and zeroes the meters for the next', () => {
  const meters = new OpMeters();
  const meter = meters.meter('insert');
  meters.record(meter, 1000);
  meter.counts.ops++;
  assert.equal(meters.meter('insert'), meter, 'one meter per op');
  const first = meters.takeSnapshot();
  assert.equal(first.insert?.counts.ops, 1);
  assert.equal(decodeHistogram(first.insert!.histogram).totalCount, 1);
  const second = meters.takeSnapshot();
  assert.deepEqual(second.insert?.counts, emptyCounts());
  assert.equal(decodeHistogram(second.insert!.histogram).totalCount, 0);
  // The first snapshot is not changed by later metering.
  meters.meter('insert').counts.ops += 5;
  assert.equal(first.insert?.counts.ops, 1);
});

test('merging snapshots from several threads equals one histogram fed all values, per op', () => {
  const { snapshots, values } = feedThreads(4, 99);
  const merged = mergeSnapshots(snapshots);
  assert.deepEqual([...merged.byOp.keys()].sort(), ['insert', 'select']);
  for (const [op, list] of values) {
    const direct = newHistogram();
    for (const us of list) recordMicros(direct, us);
    const part = merged.byOp.get(op)!;
    assert.equal(part.histogram.totalCount, list.length, op);
    assert.equal(part.counts.ops, list.length, op);
    assertSameSummary(latencySummaryMs(part.histogram), latencySummaryMs(direct), op);
    for (const p of [50, 90, 99, 99.9]) assert.equal(part.histogram.getValueAtPercentile(p), direct.getValueAtPercentile(p), `${op} p${p}`);
  }
});

test('counts are added per op, field by field, error codes included', () => {
  const { snapshots } = feedThreads(3, 5);
  const merged = mergeSnapshots(snapshots);
  for (const op of ['insert', 'select']) {
    const expected = emptyCounts();
    for (const snapshot of snapshots) if (snapshot[op]) addCounts(expected, snapshot[op]!.counts);
    assert.deepEqual(merged.byOp.get(op)!.counts, expected, op);
    // Independent check of a few fields.
    const ops = snapshots.reduce((sum, s) => sum + (s[op]?.counts.ops ?? 0), 0);
    assert.equal(expected.attempts, 2 * ops);
    assert.equal(expected.rows, 3 * ops);
  }
  const insert = merged.byOp.get('insert')!.counts;
  assert.ok((insert.errorsByCode['1213 ER_LOCK_DEADLOCK'] ?? 0) > 0);
  assert.equal(insert.errorsByCode['1213 ER_LOCK_DEADLOCK'], insert.deadlocks);
});

test('merging does not change the snapshots it is given', () => {
  const { snapshots } = feedThreads(2, 3);
  const before = JSON.stringify(snapshots);
  mergeSnapshots(snapshots);
  mergeSnapshots(snapshots);
  assert.equal(JSON.stringify(snapshots), before);
});

test('addCounts adds every numeric field and merges error codes', () => {
  const a = emptyCounts();
  const b = emptyCounts();
  let n = 1;
  for (const key of Object.keys(b) as Array<keyof typeof b>) {
    if (key !== 'errorsByCode') (b[key] as number) = n++;
  }
  b.errorsByCode = { x: 2, y: 3 };
  a.errorsByCode = { x: 1 };
  addCounts(a, b);
  addCounts(a, b);
  for (const key of Object.keys(b) as Array<keyof typeof b>) {
    if (key !== 'errorsByCode') assert.equal(a[key], 2 * (b[key] as number), key);
  }
  assert.deepEqual(a.errorsByCode, { x: 5, y: 6 });
});

test('interval stats: per-op and all, rates over the interval, status attached', () => {
  const { snapshots, values } = feedThreads(3, 11);
  const merged = mergeSnapshots(snapshots);
  const status: StatusDelta = { seconds: 2, delta: { Com_insert: 10 }, gauges: { Threads_running: 3 }, reset: false };
  const stats = intervalStats(4, 8.5, 2, merged, status);
  assert.equal(stats.seq, 4);
  assert.equal(stats.elapsedSec, 8.5);
  assert.equal(stats.seconds, 2);
  assert.equal(stats.status, status);
  const inserts = values.get('insert')!.length;
  const selects = values.get('select')!.length;
  assert.equal(stats.byOp.insert?.counts.ops, inserts);
  assert.equal(stats.byOp.select?.counts.ops, selects);
  assert.equal(stats.all.counts.ops, inserts + selects);
  assert.equal(stats.all.opsPerSec, (inserts + selects) / 2);
  assert.equal(stats.byOp.insert?.opsPerSec, inserts / 2);
  const direct = newHistogram();
  for (const list of values.values()) for (const us of list) recordMicros(direct, us);
  assertSameSummary(stats.all.latencyMs, latencySummaryMs(direct), 'all');
  assert.equal(intervalStats(1, 1, 1, merged).status, undefined);
});

test('an interval without operations has zero counts and latencies', () => {
  const stats = intervalStats(1, 1, 1, mergeSnapshots([]));
  assert.deepEqual(stats.byOp, {});
  assert.deepEqual(stats.all.counts, emptyCounts());
  assert.equal(stats.all.opsPerSec, 0);
  assert.deepEqual(stats.all.latencyMs, { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});
