import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configurationMechanism, mechanismChanges, runMechanism } from './mechanism.js';

test('per 1 000 operations from counter deltas; CPU and checkpoint peak when known, null when not', () => {
  const run = runMechanism({ Innodb_data_fsyncs: 500, Innodb_os_log_written: 2_000_000, Innodb_buffer_pool_pages_flushed: 210, Innodb_log_waits: 0 }, 1000, 0.3, 0.95);
  assert.deepEqual(run, { serverCpuSec: 0.3, fsyncs: 500, redoBytes: 2_000_000, pagesFlushed: 210, logWaits: 0, rowLockWaits: null, checkpointPeakPct: 95 });
  assert.equal(runMechanism({}, 0, null, null).fsyncs, null, 'no operations: nothing per operation');
});

test('the changes that count, largest first: pages flushed halved beats a small CPU change; noise alone is not a mechanism', () => {
  const a = [210, 205, 215].map((flushed, i) => runMechanism({ Innodb_buffer_pool_pages_flushed: flushed, Innodb_data_fsyncs: 500 + i }, 1000, 0.30 + i * 0.01, null));
  const b = [100, 104, 98].map((flushed, i) => runMechanism({ Innodb_buffer_pool_pages_flushed: flushed, Innodb_data_fsyncs: 501 - i }, 1000, 0.27 + i * 0.01, null));
  const changes = mechanismChanges(a, b);
  assert.equal(changes[0]!.key, 'pagesFlushed');
  assert.ok(Math.abs(changes[0]!.changePct + 52) < 1, `${changes[0]!.changePct}`);
  assert.ok(!changes.some((c) => c.key === 'fsyncs'), 'fsyncs did not change');
  const summary = configurationMechanism(a);
  assert.equal(summary.pagesFlushed!.mean, 210);
  assert.ok(summary.pagesFlushed!.lo < 210 && summary.pagesFlushed!.hi > 210);
  assert.equal(summary.rowLockWaits, null);
});
