import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RelativeDiff } from './stats.js';
import {
  median,
  percentile,
  formatRelative,
  formatSignedPercent,
  mean,
  meanCI,
  predictionInterval,
  regularizedIncompleteBeta,
  sampleStdDev,
  studentTCdf,
  studentTQuantile,
  welchDiff,
} from './stats.js';

function assertClose(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected} ± ${tolerance}, got ${actual}`);
}

test('mean and sample standard deviation', () => {
  const samples = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.equal(mean(samples), 5);
  assertClose(sampleStdDev(samples), Math.sqrt(32 / 7), 1e-12);
  assert.equal(sampleStdDev([3, 3, 3]), 0);
  assert.throws(() => mean([]), RangeError);
  assert.throws(() => sampleStdDev([1]), RangeError);
});

test('sample standard deviation stays accurate for large values with small spread', () => {
  assertClose(sampleStdDev([1e9 + 1, 1e9 + 2, 1e9 + 3]), 1, 1e-6);
});

test('regularized incomplete beta matches closed forms', () => {
  // I_x(1, 1) = x and I_x(a, 1) = x^a.
  assertClose(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-12);
  assertClose(regularizedIncompleteBeta(0.7, 3, 1), 0.343, 1e-12);
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
});

// Reference values from a t table (and scipy.stats.t.ppf for the non-integer df).
const T_TABLE: { p: number; df: number; t: number }[] = [
  { p: 0.975, df: 2, t: 4.302653 },
  { p: 0.975, df: 10, t: 2.228139 },
  { p: 0.975, df: 30, t: 2.042272 },
  { p: 0.975, df: Infinity, t: 1.959964 },
  { p: 0.95, df: 1, t: 6.313752 },
  { p: 0.9995, df: 1, t: 636.619249 },
  { p: 0.995, df: 5, t: 4.032143 },
  { p: 0.975, df: 2.5, t: 3.574655 },
  { p: 0.025, df: 10, t: -2.228139 },
];

for (const { p, df, t } of T_TABLE) {
  test(`t quantile p=${p} df=${df} is ${t}`, () => {
    assertClose(studentTQuantile(p, df), t, 1e-5 * Math.max(1, Math.abs(t)));
  });
}

test('t quantile is 0 at the median and the inverse of the CDF', () => {
  assert.equal(studentTQuantile(0.5, 4), 0);
  for (const df of [1, 3, 7.5, 40]) {
    for (const p of [0.01, 0.2, 0.9, 0.999]) assertClose(studentTCdf(studentTQuantile(p, df), df), p, 1e-9, `df=${df} p=${p}`);
  }
});

test('t quantile rejects impossible arguments', () => {
  assert.throws(() => studentTQuantile(0, 5), RangeError);
  assert.throws(() => studentTQuantile(1, 5), RangeError);
  assert.throws(() => studentTQuantile(0.9, 0), RangeError);
});

test('meanCI uses t(0.975, n-1) · s / √n', () => {
  const ci = meanCI([1, 2, 3, 4, 5]);
  assert.equal(ci.n, 5);
  assert.equal(ci.mean, 3);
  // t(0.975, 4) = 2.776445, s = √2.5
  assertClose(ci.hi - ci.mean, (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 1e-5);
  assertClose(ci.mean - ci.lo, ci.hi - ci.mean, 1e-12);
});

test('meanCI narrows as the level drops and is unbounded for one sample', () => {
  const wide = meanCI([10, 12, 11, 13], 0.99);
  const narrow = meanCI([10, 12, 11, 13], 0.8);
  assert.ok(narrow.hi - narrow.lo < wide.hi - wide.lo);
  assert.deepEqual(meanCI([7]), { mean: 7, lo: -Infinity, hi: Infinity, n: 1 });
  assert.throws(() => meanCI([1, 2], 95), RangeError);
});

test('predictionInterval is mean ± t · s · √(1 + 1/n)', () => {
  const samples = [1000, 1010, 990, 1005, 995];
  const interval = predictionInterval(samples);
  // t(0.975, 4) = 2.776445, s = 7.905694
  const halfWidth = 2.776445 * 7.905694 * Math.sqrt(1 + 1 / 5);
  assertClose(interval.lo, 1000 - halfWidth, 1e-3);
  assertClose(interval.hi, 1000 + halfWidth, 1e-3);
});

test('welchDiff matches a Welch t-test (scipy: df 2.941, CI of b − a [6.8446, 15.1554])', () => {
  const diff = welchDiff([10, 11, 12], [20, 22, 24]);
  assert.ok(diff.comparable);
  assertClose(diff.df, 50 / 17, 1e-12);
  assert.equal(diff.changePct, 100);
  assertClose(diff.ciPct.lo, (6.8446005 / 11) * 100, 1e-4);
  assertClose(diff.ciPct.hi, (15.1553995 / 11) * 100, 1e-4);
  assert.equal(diff.significant, true);
});

test('welchDiff: overlapping groups are not significant', () => {
  const diff = welchDiff([100, 104, 96, 101], [103, 99, 107, 98]);
  assert.ok(diff.comparable);
  assert.ok(diff.ciPct.lo < 0 && diff.ciPct.hi > 0);
  assert.equal(diff.significant, false);
});

test('welchDiff: a drop gives a negative, significant change', () => {
  const diff = welchDiff([1000, 1010, 990, 1005, 995], [800, 805, 795, 810, 790]);
  assert.ok(diff.comparable);
  assertClose(diff.changePct, -20, 1e-9);
  assert.ok(diff.ciPct.hi < 0);
  assert.equal(diff.significant, true);
});

test('welchDiff: groups without variance give an exact difference', () => {
  const diff = welchDiff([5, 5], [6, 6]);
  assert.ok(diff.comparable);
  assert.equal(diff.df, Infinity);
  assert.deepEqual(diff.ciPct, { lo: 20, hi: 20 });
  assert.equal(diff.significant, true);
});

test('welchDiff: fewer than 2 runs in a group is not testable, with a reason', () => {
  const diff = welchDiff([100], [150, 160]);
  assert.equal(diff.comparable, false);
  assert.equal(diff.significant, false);
  assert.equal(diff.changePct, 55);
  assert.ok(!diff.comparable && /at least 2 runs per group \(got 1 vs 2\)/.test(diff.reason));
  assert.ok(Number.isNaN(welchDiff([], [1, 2]).changePct));
});

test('welchDiff: a zero baseline mean has no relative difference', () => {
  const diff = welchDiff([0, 0, 0], [1, 2, 3]);
  assert.equal(diff.comparable, false);
  assert.ok(Number.isNaN(diff.changePct));
});

test('formatSignedPercent signs, rounds and never prints -0', () => {
  assert.equal(formatSignedPercent(3.04, 1), '+3.0 %');
  assert.equal(formatSignedPercent(-12.4, 0), '-12 %');
  assert.equal(formatSignedPercent(-0.04, 1), '0.0 %');
  assert.equal(formatSignedPercent(Infinity, 1), '+∞ %');
  assert.equal(formatSignedPercent(NaN, 1), 'n/a');
});

const comparable = (changePct: number, lo: number, hi: number, significant: boolean): RelativeDiff => ({
  comparable: true,
  changePct,
  ciPct: { lo, hi },
  level: 0.95,
  df: 8,
  nA: 5,
  nB: 5,
  significant,
});

const FORMAT_CASES: { name: string; diff: RelativeDiff; text: string }[] = [
  { name: 'significant increase', diff: comparable(70.2, 63.1, 77.4, true), text: '+70 % [+63 %, +77 %]' },
  { name: 'not significant', diff: comparable(3.2, -4.1, 10.3, false), text: 'no significant difference (+3 % [-4 %, +10 %])' },
  { name: 'small significant drop keeps a decimal', diff: comparable(-2.46, -3.1, -1.8, true), text: '-2.5 % [-3.1 %, -1.8 %]' },
  {
    name: 'not testable',
    diff: { comparable: false, changePct: 55, level: 0.95, nA: 1, nB: 2, significant: false, reason: 'too few runs' },
    text: 'not testable (+55.0 %, too few runs)',
  },
];

for (const { name, diff, text } of FORMAT_CASES) {
  test(`formatRelative: ${name}`, () => {
    assert.equal(formatRelative(diff), text);
  });
}

test('formatRelative on a real comparison', () => {
  assert.match(formatRelative(welchDiff([10, 11, 12], [20, 22, 24])), /^\+100 % \[\+62 %, \+138 %\]$/);
});

test('median and nearest-rank percentile', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(percentile(Array.from({ length: 20 }, (_, k) => k + 1), 95), 19);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([5], 95), 5);
  assert.equal(percentile([7, 9], 0), 7);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('percentile is nearest-rank: the ⌈p·n⌉-th smallest, the first at p0, the last at p100', () => {
  const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
  assert.deepEqual([0, 10, 11, 50, 90, 95, 100].map((p) => percentile(values, p)), [1, 1, 2, 5, 9, 10, 10]);
  assert.equal(percentile([42], 99), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(values.slice(0, 2), [9, 1], 'the input is not sorted in place');
});
