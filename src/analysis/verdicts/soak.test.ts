import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { soakReport } from './soak.js';
import { leastSquaresSlope } from './stats.js';

test('least-squares slope of a line and of a flat series', () => {
  assert.equal(leastSquaresSlope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(leastSquaresSlope([0, 1, 2], [4, 4, 4]), 0);
  assert.equal(leastSquaresSlope([5], [1]), 0);
});

test('soakReport reads the all-rows of timeline.csv and drops the warm-up share', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-soak-'));
  const header = 'seq,elapsed_s,op,ops,client_rss_mb,client_cpu_pct,client_loop_delay_p99_ms';
  // RSS jumps during warm-up, then grows by 0.5 MB per 60 s.
  const rows = Array.from({ length: 10 }, (_, i) => `${i + 1},${(i + 1) * 60},all,100,${i < 2 ? 50 + i * 30 : 200 + (i - 2) * 0.5},40,${i === 5 ? 12.5 : 3}`);
  writeFileSync(join(dir, 'timeline.csv'), [header, ...rows].join('\n') + '\n');
  const report = soakReport(dir);
  assert.equal(report.intervals, 10);
  assert.equal(report.rssStartMb, 50);
  assert.equal(report.rssSlopeMbPerMin, 0.5);
  assert.equal(report.maxLoopDelayMs, 12.5);
  assert.equal(report.meanCpuPct, 40);
});
