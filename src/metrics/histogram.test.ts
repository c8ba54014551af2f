import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHistogram, encodeHistogram, latencySummaryMs, mergeEncoded, newHistogram, percentileDistributionMs, recordMicros } from './histogram.js';
import { seededRandom } from '../data/random.js';
import type { LatencySummaryMs } from './histogram.js';

/** Latencies in µs with a long tail, deterministic. */
function latencies(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const r = random();
    return r < 0.98 ? 100 + r * 20_000 : 50_000 + random() * 2_000_000;
  });
}

const PERCENTILES = [0, 10, 50, 90, 95, 99, 99.9, 100];

/**
 * The encoding keeps counts per bucket, so a decoded histogram's max is its bucket's highest
 * equivalent value: equal to the recorded max within the 3 significant digits, not exactly.
 */
function assertSameMax(actual: number, expected: number, label = 'max'): void {
  assert.ok(actual >= expected && actual - expected <= expected / 1000, `${label}: ${actual} vs ${expected}`);
}

/** Latency summaries equal, the max within the histogram's precision. */
function assertSameSummary(actual: LatencySummaryMs, expected: LatencySummaryMs): void {
  const { max: actualMax, ...actualRest } = actual;
  const { max: expectedMax, ...expectedRest } = expected;
  assert.deepEqual(actualRest, expectedRest);
  assertSameMax(actualMax, expectedMax);
}

test('encode / decode round trip keeps counts, extremes and percentiles', () => {
  const histogram = newHistogram();
  for (const us of latencies(5000, 1)) recordMicros(histogram, us);
  const decoded = decodeHistogram(encodeHistogram(histogram));
  assert.equal(decoded.totalCount, 5000);
  assertSameMax(decoded.maxValue, histogram.maxValue);
  assert.equal(decoded.minNonZeroValue, histogram.minNonZeroValue);
  for (const p of PERCENTILES.filter((p) => p < 100)) assert.equal(decoded.getValueAtPercentile(p), histogram.getValueAtPercentile(p), `p${p}`);
  assertSameSummary(latencySummaryMs(decoded), latencySummaryMs(histogram));
});

test('an empty histogram round-trips and summarises as zeros', () => {
  const decoded = decodeHistogram(encodeHistogram(newHistogram()));
  assert.equal(decoded.totalCount, 0);
  assert.deepEqual(latencySummaryMs(decoded), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});

test('merging the encoded histograms of several threads equals one histogram fed every value', () => {
  const all = newHistogram();
  const encoded: string[] = [];
  for (let thread = 0; thread < 4; thread++) {
    const own = newHistogram();
    for (const us of latencies(1000 + thread * 250, 10 + thread)) {
      recordMicros(own, us);
      recordMicros(all, us);
    }
    encoded.push(encodeHistogram(own));
  }
  const merged = mergeEncoded(newHistogram(), encoded);
  assert.equal(merged.totalCount, all.totalCount);
  assert.equal(merged.totalCount, 1000 + 1250 + 1500 + 1750);
  assertSameMax(merged.maxValue, all.maxValue);
  for (const p of PERCENTILES.filter((p) => p < 100)) assert.equal(merged.getValueAtPercentile(p), all.getValueAtPercentile(p), `p${p}`);
  assertSameSummary(latencySummaryMs(merged), latencySummaryMs(all));
});

test('values are clamped into the trackable range (below 1 µs, above an hour)', () => {
  const histogram = newHistogram();
  recordMicros(histogram, 0);
  recordMicros(histogram, 0.2);
  recordMicros(histogram, -5);
  recordMicros(histogram, 10 * 3_600_000_000);
  assert.equal(histogram.totalCount, 4);
  assert.equal(histogram.minNonZeroValue, 1);
  assert.ok(histogram.maxValue >= 3_600_000_000 * 0.999 && histogram.maxValue <= 3_600_000_000 * 1.001, `max ${histogram.maxValue}`);
});

test('summary is in milliseconds, within 3 significant digits', () => {
  const histogram = newHistogram();
  for (let i = 1; i <= 1000; i++) recordMicros(histogram, i * 1000); // 1 ms .. 1000 ms
  const summary = latencySummaryMs(histogram);
  const near = (actual: number, expected: number): boolean => Math.abs(actual - expected) <= expected * 0.002;
  assert.ok(near(summary.p50, 500), `p50 ${summary.p50}`);
  assert.ok(near(summary.p95, 950), `p95 ${summary.p95}`);
  assert.ok(near(summary.p99, 990), `p99 ${summary.p99}`);
  assert.ok(near(summary.max, 1000), `max ${summary.max}`);
  assert.ok(near(summary.mean, 500.5), `mean ${summary.mean}`);
});

test('the .hgrm text is in milliseconds and counts every value', () => {
  const histogram = newHistogram();
  for (let i = 1; i <= 100; i++) recordMicros(histogram, i * 1000);
  const text = percentileDistributionMs(histogram);
  assert.match(text, /Value\s+Percentile\s+TotalCount/);
  assert.match(text, /#\[Max\s*=\s*100\.\d+, Total count\s*=\s*100\]/);
});
