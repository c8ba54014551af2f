import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soakReport } from './soak.js';
import { leastSquaresSlope } from './stats.js';

test('least-squares slope of a line and of a flat series', () => {
  assert.equal(leastSquaresSlope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(leastSquaresSlope([0, 1, 2], [4, 4, 4]), 0);
  assert.equal(leastSquaresSlope([5], [1]), 0);
});

test('soakReport drops the warm-up share before taking the RSS slope', () => {
  // RSS jumps during warm-up, then grows by 0.5 MB per 60 s.
  const samples = Array.from({ length: 10 }, (_, i) => ({
    elapsedSec: (i + 1) * 60,
    rssMb: i < 2 ? 50 + i * 30 : 200 + (i - 2) * 0.5,
    cpuPct: 40,
    loopDelayP99Ms: i === 5 ? 12.5 : 3,
  }));
  const report = soakReport(samples);
  assert.equal(report.intervals, 10);
  assert.equal(report.rssStartMb, 50);
  assert.equal(report.rssEndMb, 203.5);
  assert.equal(report.rssSlopeMbPerMin, 0.5);
  assert.equal(report.maxLoopDelayMs, 12.5);
  assert.equal(report.meanCpuPct, 40);
});

test('with no samples the report is all zeros', () => {
  assert.deepEqual(soakReport([]), { intervals: 0, rssStartMb: 0, rssEndMb: 0, rssSlopeMbPerMin: 0, maxLoopDelayMs: 0, meanCpuPct: 0 });
});
