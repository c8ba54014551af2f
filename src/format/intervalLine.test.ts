/** The console line of an interval: the figures always shown, and those shown only when non-zero. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleLine, timelineRows } from './intervalLine.js';
import { emptyCounts, type OpCounts } from '../metrics/opMeters.js';
import type { IntervalStats } from '../metrics/intervalStats.js';

function stats(counts: Partial<OpCounts>, withStatus = true): IntervalStats {
  const all = { counts: { ...emptyCounts(), ...counts }, opsPerSec: 500, latencyMs: { p50: 1.5, p95: 3.25, p99: 7, max: 12.5, mean: 2 } };
  return {
    seq: 3,
    elapsedSec: 4,
    seconds: 2,
    byOp: { insert: all },
    all,
    ...(withStatus ? { status: { seconds: 2, delta: { Com_insert: 1000, Com_commit: 998 }, gauges: { Threads_running: 4 }, reset: false } } : {}),
  };
}

test('a quiet interval: rate, latency, errors and retries, and the server figures', () => {
  assert.equal(
    consoleLine(stats({ ops: 1000, errors: 2, retries: 4 })),
    '[ 4s ] ops/s: 500.0 lat ms p50/p95/p99/max: 1.50/3.25/7.00/12.50 err/s: 1.00 retry/s: 2.00 | server Com_insert/s: 500.0 Com_commit/s: 499.0 thr_run: 4',
  );
  assert.doesNotMatch(consoleLine(stats({ ops: 1000 })), /exhausted|dropped|deadlocks|reconnects/);
});

test('exhausted retries and dropped operations appear when there are any', () => {
  const line = consoleLine(stats({ ops: 1000, exhausted: 3, dropped: 40, deadlocks: 6, reconnects: 1 }));
  assert.match(line, / deadlocks\/s: 3\.00 reconnects: 1 exhausted: 3 dropped: 40 \(20\.00\/s\) \| server/);
});

test('no server sample, or a restarted server, is said', () => {
  assert.match(consoleLine(stats({ ops: 1 }, false)), /\| server: no sample$/);
  const restarted = stats({ ops: 1 });
  restarted.status!.reset = true;
  assert.match(consoleLine(restarted), /\(server restarted: counters reset\)$/);
});

test('with the checkpoint gauges, the steady-state figures follow the server figures', () => {
  const s = stats({ ops: 1000 });
  s.status!.gauges = { Threads_running: 4, Innodb_checkpoint_age: 45, Innodb_checkpoint_max_age: 100, Innodb_buffer_pool_pages_dirty: 5049 };
  s.status!.delta = { ...s.status!.delta, Innodb_buffer_pool_pages_flushed: 240, Innodb_data_fsyncs: 600, Innodb_log_waits: 1 };
  assert.match(consoleLine(s), /thr_run: 4 ckpt: 45% dirty: 5049 flushed\/s: 120 fsyncs\/s: 300 log_waits: 1$/);
});

test('timeline rows end with the machine columns, empty where not measured', () => {
  const s = stats({ ops: 1000 });
  const columns = Object.keys(timelineRows(s)[0]!);
  assert.deepEqual(columns.slice(-5), ['client_loop_delay_p99_ms', 'machine_other_cpu_pct', 'machine_steal_pct', 'machine_iowait_pct', 'machine_disk_busy_pct']);
  assert.deepEqual(Object.values(timelineRows(s)[0]!).slice(-4), ['', '', '', '']);
  s.machine = { otherCpuPct: 12.5, stealPct: null, iowaitPct: 0.4, diskBusyPct: 61 };
  assert.deepEqual(Object.values(timelineRows(s)[0]!).slice(-4), [12.5, '', 0.4, 61]);
});
