/** The accounting line of a summary: a whole run, a shard, a merged set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountingLine } from './summaryText.js';
import type { Accounting } from '../results/types.js';

const figures = { harnessRows: 100, comInsertDelta: 100, tableRowsBefore: 0, tableRowsAfter: 100, tableRowsDelta: 100 };

test('a whole run: ok or MISMATCH with the three figures', () => {
  const whole: Accounting = { ...figures, ok: true, note: 'harness rows = Com_insert delta = table rows gained' };
  assert.equal(accountingLine(whole), 'accounting: ok: harness rows = Com_insert delta = table rows gained (harness 100, Com_insert 100, table +100)');
  assert.match(accountingLine({ ...whole, ok: false }), /^accounting: MISMATCH: /);
});

test('a shard is partial; a merged set names its Com_insert as one shard\'s window', () => {
  const shard: Accounting = { ...figures, harnessRows: 40, ok: true, note: 'shard 2/3: …', scope: 'shard 2/3' };
  assert.equal(accountingLine(shard), 'accounting (shard 2/3): partial: shard 2/3: … (harness 40, Com_insert 100, table +100)');
  const merged: Accounting = { ...figures, comInsertDelta: 97, ok: true, note: 'the shards\' rows together = table rows gained over the set (3 shards)', scope: '3 shards merged' };
  assert.equal(accountingLine(merged), "accounting (3 shards merged): ok: the shards' rows together = table rows gained over the set (3 shards) (harness 100, Com_insert in one shard's window 97, table +100)");
});
