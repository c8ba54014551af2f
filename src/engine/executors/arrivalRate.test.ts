/**
 * The open loop on a fake clock: operations are due every 1000/rate ms whatever the workers do;
 * one that finds no idle worker is counted as dropped, never queued; each operation is handed
 * the time it was due; a stop lets the operations in flight finish.
 */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalRate } from './arrivalRate.js';
import type { ExecutorContext, ExecutorResult, OperationEnd, Operator } from './executor.js';

let clock = 0;
let stopping = false;
let dropped = 0;
const context: ExecutorContext = { isStopping: () => stopping, dropped: () => void dropped++, now: () => clock };

beforeEach(() => {
  clock = 0;
  stopping = false;
  dropped = 0;
  mock.timers.enable({ apis: ['setTimeout'] });
});

afterEach(() => mock.timers.reset());

/** Moves the fake clock and the timers together, a millisecond at a time. */
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    clock++;
    mock.timers.tick(1);
  }
}

/** A worker whose operations take `durationMs` on the fake clock, with `items` of them (Infinity: never runs out). */
function fakeWorker(durationMs: number, started: number[], items = Infinity): Operator {
  let done = 0;
  return {
    operate(intendedAt, then: (end: OperationEnd) => void) {
      if (done === items) return then('work-done');
      assert.notEqual(intendedAt, null, 'an open loop always says when the operation was due');
      started.push(intendedAt!);
      setTimeout(() => {
        done++;
        then('continue');
      }, durationMs);
    },
  };
}

function settled(promise: Promise<ExecutorResult>): () => ExecutorResult | undefined {
  let result: ExecutorResult | undefined;
  void promise.then((r) => (result = r));
  return () => result;
}

test('an operation due while every worker is busy is dropped, not delayed', async () => {
  const started: number[] = [];
  // 100/s: due every 10 ms; two workers whose operations take 25 ms can take only 2 of every 2.5 due.
  const result = settled(arrivalRate.run([fakeWorker(25, started), fakeWorker(25, started)], { ratePerSec: 100 }, context));
  advance(95);
  stopping = true;
  advance(30);
  await Promise.resolve();
  assert.deepEqual(result(), { workDone: false });
  // Due at 0, 10, …, 90: those at 20, 50 and 80 found both workers busy.
  assert.deepEqual(started, [0, 10, 30, 40, 60, 70, 90]);
  assert.equal(dropped, 3);
});

test('a stop waits for the operations in flight, and starts none', async () => {
  const started: number[] = [];
  const result = settled(arrivalRate.run([fakeWorker(50, started)], { ratePerSec: 100 }, context));
  advance(5);
  stopping = true;
  advance(20);
  await Promise.resolve();
  assert.equal(result(), undefined, 'the operation started at 0 runs until 50');
  advance(40);
  await Promise.resolve();
  assert.deepEqual(result(), { workDone: false });
  assert.deepEqual(started, [0]);
  // The tick at 10 saw the stop: nothing was issued, so nothing was dropped either.
  assert.equal(dropped, 0);
});

test('a late tick issues every operation that fell due, each with its own due time', async () => {
  const started: number[] = [];
  const result = settled(arrivalRate.run([fakeWorker(1, started), fakeWorker(1, started), fakeWorker(1, started)], { ratePerSec: 100 }, context));
  // The event loop was blocked for 30 ms: the timer due at 10 fires with the clock at 30.
  clock = 30;
  mock.timers.tick(30);
  assert.deepEqual(started, [0, 10, 20, 30]);
  assert.equal(dropped, 0);
  stopping = true;
  advance(20);
  await Promise.resolve();
  assert.deepEqual(result(), { workDone: false });
});

test('the run ends, work done, once every worker has run out of work', async () => {
  const started: number[] = [];
  const result = settled(arrivalRate.run([fakeWorker(1, started, 3), fakeWorker(1, started, 3)], { ratePerSec: 100 }, context));
  advance(200);
  await Promise.resolve();
  assert.deepEqual(result(), { workDone: true });
  assert.equal(started.length, 6, 'three operations each');
  // The idle worker taken last is taken first: one worker ran 0, 10, 20 and found no work at 30
  // (that due time is used up), the other ran 40, 50, 60 and found none at 70; the run then ends.
  assert.deepEqual(started, [0, 10, 20, 40, 50, 60]);
  assert.equal(dropped, 0);
});
