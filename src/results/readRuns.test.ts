import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClientSamples } from './readRuns.js';

test('readClientSamples reads the all-rows of timeline.csv that carry the harness figures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-client-samples-'));
  const header = 'seq,elapsed_s,op,ops,client_rss_mb,client_cpu_pct,client_loop_delay_p99_ms';
  const rows = ['1,10,all,100,50,40,3', '1,10,insert,100,,,', '2,20,all,100,,,', '3,30,all,100,52.5,41,12.5', '4,40,all,1'];
  writeFileSync(join(dir, 'timeline.csv'), [header, ...rows].join('\n') + '\n');
  assert.deepEqual(readClientSamples(dir), [
    { elapsedSec: 10, rssMb: 50, cpuPct: 40, loopDelayP99Ms: 3 },
    { elapsedSec: 30, rssMb: 52.5, cpuPct: 41, loopDelayP99Ms: 12.5 },
  ]);
});

test('a run folder without timeline.csv has no samples', () => {
  assert.deepEqual(readClientSamples(mkdtempSync(join(tmpdir(), 'ib-client-samples-'))), []);
});
