import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencySummaryMs, newHistogram, recordMicros } from './histogram.js';

test('the one-pass summary equals the library\'s own percentiles, max and mean', () => {
  const cases: number[][] = [
    [1],
    [5, 5, 5],
    Array.from({ length: 1000 }, (_, i) => 100 + i * 37),
    Array.from({ length: 5000 }, (_, i) => Math.round(Math.exp((i % 97) / 8) * 10)),
    [3_599_000_000, 2, 7, 250_000],
  ];
  for (const values of cases) {
    const histogram = newHistogram();
    for (const value of values) recordMicros(histogram, value);
    const ms = (us: number): number => Math.round(us) / 1000;
    const expected = {
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: Math.round(histogram.mean) / 1000,
    };
    assert.deepEqual(latencySummaryMs(histogram), expected, `values ${values.slice(0, 5).join(',')}…`);
  }
});

test('an empty histogram summarises to zeros', () => {
  assert.deepEqual(latencySummaryMs(newHistogram()), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});
