import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanCI } from './stats.js';
import { positiveMeanCI, ratioDiff } from './positiveIntervals.js';

test('fewer than 3 runs: no interval, where Student\'s t on 2 runs reaches below zero', () => {
  // The quick matrix's ops/s: 1214 and 1542 gave [-703, 3459] on the raw scale.
  assert.ok(meanCI([1214, 1542]).lo < 0);
  const interval = positiveMeanCI([1214, 1542], 0.95);
  assert.equal(interval.mean, 1378);
  assert.equal(interval.n, 2);
  assert.equal(interval.lo, -Infinity);
  assert.equal(interval.hi, Infinity);
});

test('3 runs and more: the interval is mean ×/÷ one factor and stays above zero however wide', () => {
  const samples = [100, 2000, 150, 1800, 120];
  assert.ok(meanCI(samples).lo < 0, 'the raw-scale interval crosses zero');
  const interval = positiveMeanCI(samples, 0.95);
  assert.ok(interval.lo > 0, `lo ${interval.lo}`);
  assert.ok(Math.abs(interval.mean / interval.lo - interval.hi / interval.mean) < 1e-9);
  // A tight sample: close to the raw-scale interval.
  const tight = positiveMeanCI([1000, 1010, 990, 1005, 995], 0.95);
  const raw = meanCI([1000, 1010, 990, 1005, 995]);
  assert.ok(Math.abs(tight.lo - raw.lo) < 0.5 && Math.abs(tight.hi - raw.hi) < 0.5, `${tight.lo}..${tight.hi} vs ${raw.lo}..${raw.hi}`);
  assert.deepEqual(positiveMeanCI([0, 0, 0], 0.95), { mean: 0, lo: 0, hi: 0, n: 3 });
});

test('ratios: too few runs for an interval below 3 per side; never below -100 % from 3 on', () => {
  const few = ratioDiff([1214, 1542], [1532, 1789], 0.95);
  assert.equal(few.comparable, false);
  assert.match(few.comparable ? '' : few.reason, /^too few runs for an interval: 2 vs 2/);
  assert.ok(Math.abs(few.changePct - 20.5) < 0.01, String(few.changePct));
  const wide = ratioDiff([100, 2000, 150], [90, 1900, 140], 0.95);
  assert.ok(wide.comparable && wide.ciPct.lo > -100, JSON.stringify(wide));
  const clear = ratioDiff([1000, 1010, 990], [2000, 2020, 1980], 0.95);
  assert.ok(clear.comparable && clear.significant && clear.ciPct.lo > 90 && clear.ciPct.hi < 110, JSON.stringify(clear));
  assert.equal(clear.changePct, 100);
  const same = ratioDiff([5, 5, 5], [5, 5, 5], 0.95);
  assert.ok(same.comparable && same.ciPct.lo === 0 && same.ciPct.hi === 0 && !same.significant);
  const intervals = ratioDiff([1, 2], [1, 2, 3], 0.95, 'intervals');
  assert.match(intervals.comparable ? '' : intervals.reason, /^too few intervals for an interval: 2 vs 3/);
});
