import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterAccounting } from './clusterAccounting.js';

test('cluster accounting: every node must hold the rows the run gained', () => {
  const ok = clusterAccounting(600, 600, 1000, { a: 1600, b: 1600, c: 1600 });
  assert.equal(ok.ok, true);
  assert.match(ok.note, /harness rows 600 = rows gained on every node \(3 nodes/);
  const lagging = clusterAccounting(600, 601, 1000, { a: 1601, b: 1600, c: null });
  assert.equal(lagging.ok, false);
  assert.equal(lagging.note, 'b gained 600 rows, expected 601; c could not be counted');
});

test('rows committed without an acknowledgement are expected on every node and named in the note', () => {
  const result = clusterAccounting(600, 602, 0, { a: 602, b: 602 });
  assert.deepEqual(result, {
    ok: true,
    rowsByNode: { a: 602, b: 602 },
    note: 'harness rows 600 (+2 unacknowledged) = rows gained on every node (2 nodes, counted with wsrep_sync_wait)',
  });
});

test('a node that gained more rows than the run wrote fails too', () => {
  const result = clusterAccounting(10, 10, 5, { a: 15, b: 16 });
  assert.equal(result.ok, false);
  assert.equal(result.note, 'b gained 11 rows, expected 10');
});
