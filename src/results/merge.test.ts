import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunWithHistograms, mergeProblems, mergeRuns, type LoadedRun } from './merge.js';
import { HISTOGRAM_LOG_FILE, histogramLogText } from './histogramLog.js';
import { RUN_FILE } from './runFolder.js';
import { newHistogram, recordMicros } from '../metrics/histogram.js';
import { emptyCounts } from '../metrics/opMeters.js';
import type { RunFile } from './types.js';

function shard(runId: string, latencies: number[], comInsert: number, index = 0, of = 2): LoadedRun {
  const histogram = newHistogram();
  for (const us of latencies) recordMicros(histogram, us);
  const counts = { ...emptyCounts(), ops: latencies.length, attempts: latencies.length, commits: latencies.length, rows: latencies.length };
  const latencyMs = { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const run: RunFile = {
    format: 1,
    runId,
    scenario: 'insert-features',
    state: 'completed',
    startedAt: '2026-11-23T00:00:00Z',
    config: { shard: { index, of } },
    environment: { node: 'v20', platform: 'linux', cpus: 2, hostname: runId, innobench: '0.1.0' },
    server: { version: '10.11', flavour: 'MariaDB', variables: {} },
    summary: { ...counts, opsPerSec: 0, latencyMs, elapsedSec: 10, endReason: 'duration', byOp: { insert: { ...counts, opsPerSec: 0, latencyMs } } },
    status: { delta: { Com_insert: comInsert }, rate: {}, gauges: {}, resets: 0 },
  };
  return { dir: runId, run, histograms: new Map([['insert', histogram]]) };
}

test('merging two shards equals one run of all their operations; server counters come from one sampler', () => {
  const a = [100, 200, 300, 5000];
  const b = [150, 250, 90_000];
  const { run, totals } = mergeRuns([shard('a', a, 7, 0), shard('b', b, 7, 1)], 'merged');
  const single = newHistogram();
  for (const us of [...a, ...b]) recordMicros(single, us);
  assert.equal(run.summary!.ops, 7);
  assert.equal(run.summary!.byOp.insert!.ops, 7);
  assert.equal(totals.byOp.get('insert')!.histogram.totalCount, 7);
  assert.equal(run.summary!.latencyMs.p99, Math.round(single.getValueAtPercentile(99)) / 1000);
  assert.equal(run.summary!.latencyMs.max, Math.round(single.maxValue) / 1000);
  assert.equal(run.summary!.opsPerSec, 0.7);
  assert.equal(run.status!.delta.Com_insert, 7, 'not summed twice');
  assert.deepEqual(run.config.mergedFrom, ['a', 'b']);
});

test('runs of different scenarios are not merged', () => {
  const other = shard('c', [1], 1, 1);
  other.run.scenario = 'rank-members';
  assert.throws(() => mergeRuns([shard('a', [1], 1, 0), other], 'x'), /different scenarios/);
});

test('the same run given twice is refused: its operations would count twice', () => {
  const a = shard('a', [100, 200], 2, 0);
  assert.deepEqual(mergeProblems([a, { ...a, dir: './a' }]), ['run a is given twice (a and ./a): its operations would count twice', 'shards 2/2 are missing: the merge would not be the whole work']);
  assert.throws(() => mergeRuns([a, a], 'x'), /run a is given twice/);
});

test('shards must form 1..N of one N, each once', () => {
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0, 3), shard('b', [1], 1, 1, 3)]), ['shards 3/3 are missing: the merge would not be the whole work']);
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0, 2), shard('b', [1], 1, 1, 3)]), ['shards of different sets (N = 2, 3) cannot be merged']);
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0, 2), shard('b', [1], 1, 0, 2)]), [
    'shards 2/2 are missing: the merge would not be the whole work',
    'a shard is given more than once: 1/2 (a), 1/2 (b)',
  ]);
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0, 3), shard('b', [1], 1, 2, 3), shard('c', [1], 1, 1, 3)]), []);
});

test('a run without --shard is not a shard', () => {
  const unsharded = shard('u', [1], 1);
  unsharded.run.config = {};
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0), unsharded]), ['not a shard (run without --shard i/N): u']);
});

test("a run folder holding HdrHistogram's latency.hlog but no histograms.jsonl loads its histograms from the log", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-merge-hlog-'));
  try {
    const { run } = shard('h', [100], 1);
    writeFileSync(join(dir, RUN_FILE), JSON.stringify(run));
    const intervals = [
      { tag: 'insert', startSec: 0, lengthSec: 1, histogram: histogramOf([100, 200]) },
      { tag: 'insert', startSec: 1, lengthSec: 1, histogram: histogramOf([300]) },
    ];
    writeFileSync(join(dir, HISTOGRAM_LOG_FILE), histogramLogText({ startTimeMs: Date.UTC(2026, 10, 30), intervals }));
    const loaded = loadRunWithHistograms(dir);
    assert.equal(loaded.histograms.get('insert')!.totalCount, 3);
    assert.equal(loaded.histogramLog?.intervals.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function histogramOf(values: number[]): ReturnType<typeof newHistogram> {
  const histogram = newHistogram();
  for (const us of values) recordMicros(histogram, us);
  return histogram;
}
test('shards that did not overlap in time, or were given different options, are refused', () => {
  const early = shard('a', [1], 1, 0);
  const late = shard('b', [1], 1, 1);
  late.run.startedAt = '2026-11-23T01:00:00Z';
  assert.deepEqual(mergeProblems([early, late]).length, 1);
  assert.match(mergeProblems([early, late])[0]!, /^the shards did not run at the same time: no time in common/);
  const other = shard('c', [1], 1, 1);
  other.run.config = { ...other.run.config, workers: 50 };
  assert.deepEqual(mergeProblems([shard('a', [1], 1, 0), other]), ['the shards were given different options (apart from --shard): a vs c']);
});

test('the merged run records each shard\'s start and end and the skew', () => {
  const a = shard('a', [1], 1, 0);
  const b = shard('b', [1], 1, 1);
  b.run.startedAt = '2026-11-23T00:00:00.040Z';
  const { run } = mergeRuns([a, b], 'm');
  assert.equal(run.rendezvous?.skewMs, 40);
  assert.deepEqual(run.rendezvous?.shards.map((s) => s.host), ['a', 'b']);
});
