import { test } from 'node:test';
import assert from 'node:assert/strict';
import { influxWriteUrl, lineProtocolPoints } from './influxdbOutput.js';
import { intervalStats } from '../metrics/intervalStats.js';
import { OpTotals } from '../metrics/opTotals.js';
import { emptyCounts } from '../metrics/opMeters.js';
import { newHistogram, recordMicros } from '../metrics/histogram.js';

test('the write URL: a database name as the path (as k6), or a /write URL as given; ms precision', () => {
  assert.equal(influxWriteUrl('http://127.0.0.1:8086/bench'), 'http://127.0.0.1:8086/write?db=bench&precision=ms');
  assert.equal(influxWriteUrl('http://127.0.0.1:8086'), 'http://127.0.0.1:8086/write?db=innobench&precision=ms');
  assert.equal(influxWriteUrl('https://h/api/v2/write?org=o&bucket=b&precision=s'), 'https://h/api/v2/write?org=o&bucket=b&precision=s');
});

test('one point per op type: integer counts, float latencies, labels escaped, time = the interval end', () => {
  const merged = new OpTotals();
  const histogram = newHistogram();
  recordMicros(histogram, 1500);
  merged.add('part:node h:p', { ...emptyCounts(), ops: 1, rows: 1 }, histogram);
  merged.add('insert', { ...emptyCounts(), ops: 3, attempts: 4, retries: 1 }, histogram);
  const text = lineProtocolPoints(intervalStats(2, 2, 1, merged), { run_id: 'r1', host: 'a b,c=d' }, 1_000_000);
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^innobench_interval,op=part:node\\ h:p,run_id=r1,host=a\\ b\\,c\\=d ops=1i,/);
  assert.match(lines[1]!, /^innobench_interval,op=insert,run_id=r1,host=a\\ b\\,c\\=d ops=3i,attempts=4i,errors=0i,retries=1i,.*seq=2i,seconds=1,ops_per_s=3,p50_ms=1\.5\d*,.* 1002000$/);
});
