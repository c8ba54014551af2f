import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyFiles, safeFileStem } from './latencyFiles.js';
import { OpTotals } from '../metrics/opTotals.js';
import { emptyCounts } from '../metrics/opMeters.js';
import { newHistogram, recordMicros } from '../metrics/histogram.js';

const totalCount = (text: string): number => Number(/Total count\s*=\s*(\d+)/.exec(text)?.[1]);

function totalsOf(ops: Record<string, number>): OpTotals {
  const totals = new OpTotals();
  for (const [op, n] of Object.entries(ops)) {
    const histogram = newHistogram();
    for (let i = 0; i < n; i++) recordMicros(histogram, 100 + i);
    totals.add(op, { ...emptyCounts(), ops: n }, histogram);
  }
  return totals;
}

test('latency.hgrm counts each operation once: part: statements are left out of it', () => {
  const files = latencyFiles(totalsOf({ rank: 5, 'part:members': 5, 'part:node h:p': 7 }));
  assert.equal(totalCount(files.get('latency.hgrm')!), 5);
  assert.deepEqual([...files.keys()].sort(), ['latency-part_members.hgrm', 'latency-part_node_h_p.hgrm', 'latency-rank.hgrm', 'latency.hgrm']);
  assert.equal(totalCount(files.get('latency-part_node_h_p.hgrm')!), 7);
});

test('one op type: only latency.hgrm', () => {
  assert.deepEqual([...latencyFiles(totalsOf({ insert: 3 })).keys()], ['latency.hgrm']);
});

test('names that reduce to the same stem stay apart; no name is a path or hidden', () => {
  const files = latencyFiles(totalsOf({ 'a/b': 1, 'a:b': 2 }));
  assert.deepEqual([...files.keys()].sort(), ['latency-a_b-2.hgrm', 'latency-a_b.hgrm', 'latency.hgrm']);
  assert.equal(safeFileStem('../../etc'), '__.._etc');
  assert.equal(safeFileStem('..x'), '_x');
});
