import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpTotals } from './opTotals.js';
import { emptyCounts } from './opMeters.js';
import { newHistogram, recordMicros } from './histogram.js';

function histogramOf(...micros: number[]) {
  const histogram = newHistogram();
  for (const us of micros) recordMicros(histogram, us);
  return histogram;
}

test('all() adds every op type but the part: statements timed inside them', () => {
  const totals = new OpTotals();
  totals.add('rank', { ...emptyCounts(), ops: 2, errors: 1, errorsByCode: { '1213': 1 } }, histogramOf(100, 200));
  totals.add('part:members', { ...emptyCounts(), ops: 2 }, histogramOf(50, 60));
  totals.add('insert', { ...emptyCounts(), ops: 1, errorsByCode: { '1213': 2 } }, histogramOf(300));
  const all = totals.all();
  assert.equal(all.counts.ops, 3);
  assert.deepEqual(all.counts.errorsByCode, { '1213': 3 });
  assert.equal(all.histogram.totalCount, 3);
  assert.equal(totals.byOp.get('part:members')!.histogram.totalCount, 2);
});

test('addTotals sums per op type and keeps neither argument', () => {
  const a = new OpTotals();
  const b = new OpTotals();
  const counts = { ...emptyCounts(), ops: 4 };
  const histogram = histogramOf(10, 20, 30, 40);
  b.add('insert', counts, histogram);
  a.addTotals(b);
  a.addTotals(b);
  assert.equal(a.byOp.get('insert')!.counts.ops, 8);
  assert.equal(a.byOp.get('insert')!.histogram.totalCount, 8);
  assert.equal(counts.ops, 4);
  assert.equal(histogram.totalCount, 4);
});
