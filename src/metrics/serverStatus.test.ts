import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRACKED_COUNTERS, TRACKED_GAUGES, addDeltas, ratesPerSecond, statusDelta, type StatusSample } from './serverStatus.js';

function sample(at: number, uptime: number, values: Record<string, number>): StatusSample {
  return { at, uptime, values: new Map(Object.entries({ ...values, Uptime: uptime })) };
}

test('normal deltas: after minus before, over the time between the samples', () => {
  const before = sample(1_000, 100, { Com_insert: 1000, Com_commit: 50, Questions: 7, Threads_running: 4, Threads_connected: 12 });
  const after = sample(3_500, 102, { Com_insert: 1600, Com_commit: 80, Questions: 7, Threads_running: 9, Threads_connected: 11 });
  const delta = statusDelta(before, after);
  assert.equal(delta.reset, false);
  assert.equal(delta.seconds, 2.5);
  assert.equal(delta.delta.Com_insert, 600);
  assert.equal(delta.delta.Com_commit, 30);
  assert.equal(delta.delta.Questions, 0);
  // Gauges are the value at the later sample, not a difference.
  assert.deepEqual(delta.gauges, { Threads_running: 9, Threads_connected: 11 });
});

test('only tracked counters are reported, and those the server lacks are skipped', () => {
  const before = sample(0, 10, { Com_insert: 1, Some_other_counter: 5 });
  const after = sample(1000, 11, { Com_insert: 2, Some_other_counter: 9 });
  const delta = statusDelta(before, after);
  assert.deepEqual(Object.keys(delta.delta), ['Com_insert']);
  assert.deepEqual(delta.gauges, {});
  for (const name of Object.keys(delta.delta)) assert.ok((TRACKED_COUNTERS as readonly string[]).includes(name));
  assert.ok((TRACKED_GAUGES as readonly string[]).includes('Threads_running'));
});

test('a counter that appears only in the later sample counts from zero', () => {
  const delta = statusDelta(sample(0, 10, {}), sample(1000, 11, { Com_insert: 42 }));
  assert.equal(delta.delta.Com_insert, 42);
});

test('a restart (uptime went down) takes the counters from zero, never negative', () => {
  const before = sample(0, 5000, { Com_insert: 900_000, Com_commit: 800_000, Innodb_os_log_written: 10 ** 12 });
  const after = sample(5000, 3, { Com_insert: 120, Com_commit: 7, Innodb_os_log_written: 4096 });
  const delta = statusDelta(before, after);
  assert.equal(delta.reset, true);
  assert.equal(delta.delta.Com_insert, 120);
  assert.equal(delta.delta.Com_commit, 7);
  assert.equal(delta.delta.Innodb_os_log_written, 4096);
  for (const [name, value] of Object.entries(delta.delta)) assert.ok(value >= 0, `${name} = ${value}`);
});

test('a counter that went down without a visible restart (FLUSH STATUS) is never negative', () => {
  const before = sample(0, 100, { Com_insert: 1000, Com_commit: 1000 });
  const after = sample(1000, 101, { Com_insert: 10, Com_commit: 1010 });
  const delta = statusDelta(before, after);
  assert.equal(delta.reset, false);
  assert.ok(delta.delta.Com_insert! >= 0, `Com_insert ${delta.delta.Com_insert}`);
  assert.equal(delta.delta.Com_commit, 10);
});

test('a table of counter sequences: every delta is non-negative and the sum matches what happened', () => {
  // [uptime, Com_insert] samples; restarts where uptime drops.
  const sequences: Array<Array<[number, number]>> = [
    [
      [10, 0],
      [11, 100],
      [12, 250],
    ],
    [
      [500, 10_000],
      [501, 10_500],
      [2, 40],
      [3, 90],
    ],
    [
      [500, 10_000],
      [1, 0],
      [2, 0],
      [3, 5],
    ],
  ];
  const expectedTotals = [250, 500 + 40 + 50, 0 + 0 + 5];
  sequences.forEach((sequence, index) => {
    let total = 0;
    for (let i = 1; i < sequence.length; i++) {
      const [uptimeBefore, before] = sequence[i - 1]!;
      const [uptimeAfter, after] = sequence[i]!;
      const delta = statusDelta(sample(i * 1000, uptimeBefore, { Com_insert: before }), sample((i + 1) * 1000, uptimeAfter, { Com_insert: after }));
      assert.ok(delta.delta.Com_insert! >= 0);
      total += delta.delta.Com_insert!;
    }
    assert.equal(total, expectedTotals[index], `sequence ${index}`);
  });
});

test('seconds is never zero or negative (clock steps, same instant)', () => {
  assert.equal(statusDelta(sample(1000, 1, {}), sample(1000, 1, {})).seconds, 0.001);
  assert.equal(statusDelta(sample(2000, 1, {}), sample(1000, 1, {})).seconds, 0.001);
});

test('addDeltas sums by name; ratesPerSecond divides and rounds to 2 decimals', () => {
  const total = addDeltas({ Com_insert: 5 }, { Com_insert: 10, Com_commit: 3 });
  assert.deepEqual(total, { Com_insert: 15, Com_commit: 3 });
  assert.deepEqual(ratesPerSecond({ Com_insert: 10, Com_commit: 1 }, 3), { Com_insert: 3.33, Com_commit: 0.33 });
});

test('a restart is seen even when the server stayed down longer than it had been up', () => {
  // Up 5 s, then down ~50 s, back for 10 s: uptime grew (5 → 10) but far less than the 60 s between samples.
  const delta = statusDelta(sample(0, 5, { Com_insert: 900 }), sample(60_000, 10, { Com_insert: 40 }));
  assert.equal(delta.reset, true);
  assert.equal(delta.delta.Com_insert, 40);
});
