/** The closed loop: every worker runs its next operation as soon as the last one ends, until it has no work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantWorkers } from './constantWorkers.js';
import type { ExecutorContext, OperationEnd, Operator } from './executor.js';

const CONTEXT: ExecutorContext = { isStopping: () => false, dropped: () => assert.fail('a closed loop drops nothing'), now: () => 0 };

/** A worker with `items` operations, each finishing on a later turn of the event loop. */
function fakeWorker(items: number, log: { inFlight: number; maxInFlight: number; intendedAt: Array<number | null> }, endWith: OperationEnd = 'work-done') {
  let done = 0;
  const worker: Operator & { done(): number } = {
    operate(intendedAt, then) {
      log.intendedAt.push(intendedAt);
      if (done === items) return then(endWith);
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      setImmediate(() => {
        log.inFlight--;
        done++;
        then('continue');
      });
    },
    done: () => done,
  };
  return worker;
}

test('each worker runs all its operations back to back, the workers side by side', async () => {
  const log = { inFlight: 0, maxInFlight: 0, intendedAt: [] as Array<number | null> };
  const workers = [fakeWorker(5, log), fakeWorker(3, log), fakeWorker(0, log)];
  const result = await constantWorkers.run(workers, {}, CONTEXT);
  assert.deepEqual(result, { workDone: true });
  assert.deepEqual(
    workers.map((w) => w.done()),
    [5, 3, 0],
  );
  // Two workers with work were busy at the same time, never more than one operation each.
  assert.equal(log.maxInFlight, 2);
  assert.equal(log.inFlight, 0, 'it resolves only once every operation has ended');
  // Closed loop: an operation starts when it starts, there is no due time.
  assert.ok(log.intendedAt.every((at) => at === null));
  // Each worker was asked once more than it had operations: the last ask found no work.
  assert.equal(log.intendedAt.length, 5 + 3 + 0 + 3);
});

test('a worker stopped before its work ran out makes the run not work-done', async () => {
  const log = { inFlight: 0, maxInFlight: 0, intendedAt: [] as Array<number | null> };
  const result = await constantWorkers.run([fakeWorker(2, log), fakeWorker(4, log, 'stopped')], {}, CONTEXT);
  assert.deepEqual(result, { workDone: false });
  assert.equal(log.inFlight, 0);
});

test('no workers: done at once', async () => {
  assert.deepEqual(await constantWorkers.run([], {}, CONTEXT), { workDone: true });
});
