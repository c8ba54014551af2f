import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findStalls, intervalPoints, mserTruncation, redoFill, steadyState, type IntervalPoint } from './steadyState.js';

function points(ops: number[], extra: (i: number) => Partial<IntervalPoint> = () => ({})): IntervalPoint[] {
  return ops.map((opsPerSec, i) => ({
    elapsedSec: 5 * (i + 1),
    seconds: 5,
    opsPerSec,
    ops: opsPerSec * 5,
    checkpointShare: null,
    logWaits: 0,
    rowLockWaits: 0,
    redoBytes: 1_000_000,
    restarted: false,
    ...extra(i),
  }));
}

const wobble = (i: number): number => [3, -2, 1, -3, 2, -1][i % 6]!;

test('MSER: a flat series keeps everything; a warm-up ramp is cut where it ends; a series still rising never settles', () => {
  const flat = Array.from({ length: 30 }, (_, i) => 1000 + wobble(i));
  assert.deepEqual(mserTruncation(flat), { drop: 0, settled: true, judged: true });
  const ramp = Array.from({ length: 40 }, (_, i) => (i < 10 ? 500 + 50 * i : 1000) + wobble(i));
  const cut = mserTruncation(ramp);
  assert.ok(cut.settled);
  assert.ok(cut.drop >= 10 && cut.drop <= 15, `batches of 5: the two ramp batches go (dropped ${cut.drop})`);
  const rising = Array.from({ length: 40 }, (_, i) => 100 + 10 * i);
  assert.equal(mserTruncation(rising).settled, false);
  assert.deepEqual(mserTruncation([1, 2, 3]), { drop: 0, settled: false, judged: false }, 'three points cannot tell a trend from noise: not judged');
});

test('short runs use single intervals rather than batches of 5', () => {
  const ramp = [400, 700, 1000, 1001, 999, 1002, 998, 1000, 1001, 999, 1000, 1002];
  const cut = mserTruncation(ramp);
  assert.ok(cut.settled);
  assert.equal(cut.drop, 2);
});

test('stalls are named with their cause and left out of the steady-state mean', () => {
  const ops = Array.from({ length: 30 }, (_, i) => 1000 + wobble(i));
  ops[20] = 0;
  ops[25] = 50;
  const run = points(ops, (i) => (i === 25 ? { logWaits: 12 } : i === 19 ? { checkpointShare: 0.93 } : {}));
  const stalls = findStalls(run, false);
  assert.deepEqual(stalls.map((s) => s.elapsedSec), [105, 130]);
  assert.match(stalls[0]!.cause, /checkpoint age at its limit \(93 %/);
  assert.match(stalls[1]!.cause, /log buffer full \(12 log waits\)/);
  const state = steadyState(run, null);
  assert.equal(state.stalls.length, 2);
  assert.equal(state.steadyIntervals, 28);
  assert.ok(Math.abs(state.steadyOpsPerSec! - 1000) < 2, `${state.steadyOpsPerSec}`);
});

test('a stall right after a redo resize is put down to it; a restart is named as such', () => {
  const ops = [0, 900, 1000, 1000, 1000, 1000];
  assert.match(findStalls(points(ops), true)[0]!.cause, /redo resize/);
  assert.match(findStalls(points(ops), false)[0]!.cause, /no server counter explains it \(client side/);
  assert.match(findStalls(points(ops), false, 2)[0]!.cause, /the run starting up \(within its warm-up/);
  assert.match(findStalls(points(ops, (i) => ({ restarted: i === 0 })), true)[0]!.cause, /server restart/);
});

test('checkpoint age still climbing: no steady state, whatever throughput does', () => {
  const ops = Array.from({ length: 30 }, (_, i) => 1000 + wobble(i));
  const climbing = steadyState(points(ops, (i) => ({ checkpointShare: i / 60 })), null);
  assert.equal(climbing.reached, false);
  assert.ok(Math.abs(climbing.checkpointPeakShare! - 29 / 60) < 1e-9);
  const settled = steadyState(points(ops, (i) => ({ checkpointShare: Math.min(0.8, i / 10) + wobble(i) / 1000 })), null);
  assert.equal(settled.reached, true);
  assert.ok(settled.warmupIntervals >= 5 && settled.warmupIntervals <= 15, `warm-up ${settled.warmupIntervals}: the ramp, within the first half`);
});

test('redo fill: 1 GiB at 15 MiB/s is not filled by 30 s, and twice the fill time is recommended', () => {
  const mib = 1024 * 1024;
  const run = points([1, 1, 1, 1, 1, 1], () => ({ redoBytes: 75 * mib }));
  const fill = redoFill(1024 * mib, run)!;
  assert.equal(fill.filled, false);
  assert.ok(Math.abs(fill.fillSec - 1024 / 15) < 1e-9);
  assert.equal(fill.recommendedSec, 140);
  assert.equal(redoFill(48 * mib, run)!.filled, true);
  assert.equal(redoFill(48 * mib, run)!.recommendedSec, null);
  assert.equal(redoFill(null, run), null);
});

test('interval points join timeline and status rows by interval number', () => {
  const joined = intervalPoints(
    [
      { seq: 1, elapsedSec: 5, seconds: 5, op: 'all', ops: 50, opsPerSec: 10, p50: 1, p95: 1, p99: 1, max: 1, errors: 0, retries: 0, deadlocks: 0 },
      { seq: 2, elapsedSec: 10, seconds: 5, op: 'all', ops: 60, opsPerSec: 12, p50: 1, p95: 1, p99: 1, max: 1, errors: 0, retries: 0, deadlocks: 0 },
    ],
    [{ seq: 2, elapsedSec: 10, seconds: 5, restarted: true, counters: { Innodb_checkpoint_age: 30, Innodb_checkpoint_max_age: 120, Innodb_os_log_written: 4096, Innodb_log_waits: 2 } }],
  );
  assert.equal(joined[0]!.checkpointShare, null);
  assert.equal(joined[0]!.redoBytes, 0);
  assert.deepEqual([joined[1]!.checkpointShare, joined[1]!.redoBytes, joined[1]!.logWaits, joined[1]!.restarted], [0.25, 4096, 2, true]);
});
