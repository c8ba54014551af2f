import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHistogram, encodeHistogram, latencySummaryMs, newHistogram, percentileDistributionMs, recordMicros, valuesAtPercentiles } from './histogram.js';
import { seededRandom } from '../data/random.js';
import type { Histogram, LatencySummaryMs } from './histogram.js';

/** Adds encoded histograms into `target`, as the main thread merges the threads' snapshots. */
function mergeEncoded(target: Histogram, encoded: Iterable<string>): Histogram {
  for (const text of encoded) target.add(decodeHistogram(text));
  return target;
}

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
  assert.deepEqual(latencySummaryMs(newHistogram()), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  assert.deepEqual(valuesAtPercentiles(newHistogram(), [0, 50, 100]), { values: [0, 0, 0], mean: 0 });
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

/**
 * Latency shapes (µs) for checking the one-pass percentiles against the library, each from the
 * seeded PRNG so that a failure names a reproducible case.
 */
const SHAPES: Record<string, (random: () => number) => number[]> = {
  'single value': () => [4321],
  'one value repeated': () => Array.from({ length: 7 }, () => 5),
  'two values': () => [3, 3_599_000_000],
  'tiny n (3)': (random) => Array.from({ length: 3 }, () => 1 + random() * 10_000),
  'tiny n (7)': (random) => Array.from({ length: 7 }, () => 1 + random() * 10_000),
  'n = 100 (p·n integral at p50/p90/p95/p99)': (random) => Array.from({ length: 100 }, () => 50 + random() * 5000),
  'n = 1000 (p99.9 integral)': (random) => Array.from({ length: 1000 }, () => 50 + random() * 5000),
  'n = 2001': (random) => Array.from({ length: 2001 }, () => 50 + random() * 5000),
  uniform: (random) => Array.from({ length: 20_000 }, () => 100 + random() * 20_000),
  bimodal: (random) => Array.from({ length: 10_000 }, () => (random() < 0.7 ? 300 + random() * 100 : 40_000 + random() * 5000)),
  'long tail': (random) => Array.from({ length: 10_000 }, () => {
    const r = random();
    return r < 0.98 ? 100 + r * 20_000 : 50_000 + random() * 2_000_000;
  }),
  'log-normal-ish': (random) => Array.from({ length: 10_000 }, () => Math.exp(5 + 3 * (random() + random() + random() - 1.5))),
  // 2048 and 4096 start a new bucket (the sub-bucket width doubles): each edge, and one below it.
  'bucket edges': (random) => Array.from({ length: 5000 }, () => [2047, 2048, 4095, 4096, 4097, 8191, 8192][Math.floor(random() * 7)]!),
  'huge n (500 000)': (random) => Array.from({ length: 500_000 }, () => 100 + random() * random() * 100_000),
};

const CHECKED_PERCENTILES = [0, 50, 90, 95, 99, 99.9, 100];

function histogramOf(values: readonly number[]): Histogram {
  const histogram = newHistogram();
  for (const value of values) recordMicros(histogram, value);
  return histogram;
}

test('the one-pass percentiles equal getValueAtPercentile on every shape (p0, p50, p90, p95, p99, p99.9, p100) and the mean equals the library\'s', () => {
  let seed = 1;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const histogram = histogramOf(shape(seededRandom(seed++)));
    const { values, mean } = valuesAtPercentiles(histogram, CHECKED_PERCENTILES);
    assert.deepEqual(values, CHECKED_PERCENTILES.map((p) => histogram.getValueAtPercentile(p)), name);
    assert.equal(mean, histogram.mean, `${name}: mean`);
  }
});

test('every total from 1 to 300 with every rank: the rank is ⌈p·n⌉, not ⌊p·n + ½⌋', () => {
  // Values 1..n, one per bucket (below 2048 every integer has its own), so any rank error shows.
  for (let n = 1; n <= 300; n++) {
    const histogram = histogramOf(Array.from({ length: n }, (_, i) => i + 1));
    const percentiles = [0, 0.1, 1, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.9, 99.99, 100];
    const { values } = valuesAtPercentiles(histogram, percentiles);
    assert.deepEqual(values, percentiles.map((p) => histogram.getValueAtPercentile(p)), `n = ${n}`);
  }
  // Where p·n has a fraction below ½ the two rules differ: p99 of 160 values is the ⌈158.4⌉ = 159th
  // value (rounding gave the 158th), p95 of 31 the ⌈29.45⌉ = 30th (rounding gave the 29th).
  assert.equal(valuesAtPercentiles(histogramOf(Array.from({ length: 160 }, (_, i) => i + 1)), [99]).values[0], 159);
  assert.equal(valuesAtPercentiles(histogramOf(Array.from({ length: 31 }, (_, i) => i + 1)), [95]).values[0], 30);
});

test('percentiles asked out of order, repeated, or above 100 come back in the order asked', () => {
  const histogram = histogramOf(Array.from({ length: 1000 }, (_, i) => 10 + i * 7));
  const asked = [99, 50, 99, 0, 120, 90];
  assert.deepEqual(valuesAtPercentiles(histogram, asked).values, asked.map((p) => histogram.getValueAtPercentile(p)));
});

test('the summary equals the library\'s percentiles, max and mean on every shape, merged from threads too', () => {
  let seed = 100;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const values = shape(seededRandom(seed++));
    const direct = histogramOf(values);
    const ms = (us: number): number => Math.round(us) / 1000;
    const expected = {
      p50: ms(direct.getValueAtPercentile(50)),
      p95: ms(direct.getValueAtPercentile(95)),
      p99: ms(direct.getValueAtPercentile(99)),
      max: ms(direct.maxValue),
      mean: Math.round(direct.mean) / 1000,
    };
    assert.deepEqual(latencySummaryMs(direct), expected, name);
    const half = Math.ceil(values.length / 2);
    const merged = mergeEncoded(newHistogram(), [encodeHistogram(histogramOf(values.slice(0, half))), encodeHistogram(histogramOf(values.slice(half)))]);
    assertSameSummary(latencySummaryMs(merged), expected);
  }
});
