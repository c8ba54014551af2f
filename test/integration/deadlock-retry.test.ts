/**
 * The worker loop against real deadlocks: two loops on two connections update the same two rows
 * in crossed orders (A then B, B then A) with a pause in between, so InnoDB picks a victim. The
 * victim's transaction must be rolled back, retried and finally committed, and every step counted.
 * Also: a killed connection is re-established and its operation retried. On each driver.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createWorker, type WorkerLoopParams } from '../../src/engine/workerLoop.js';
import { constantWorkers } from '../../src/engine/executors/constantWorkers.js';
import type { Done, Operations } from '../../src/engine/scenario.js';
import { OpMeters, emptyCounts, type MetersSnapshot } from '../../src/metrics/opMeters.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { connectWorker } from '../../src/db/drivers/index.js';
import { queryRows, type WorkerConnection } from '../../src/db/workerConnection.js';
import { DRIVERS, type ConnectionOptions } from '../../src/config/connection.js';
import type { OpCounts } from '../../src/results/types.js';
import { SERVER, adminQuery, createTestDatabase, type TestDatabase } from '../helpers.js';

let db: TestDatabase;
let options: ConnectionOptions;
const opened: WorkerConnection[] = [];

async function connect(): Promise<WorkerConnection> {
  const connection = await connectWorker(options);
  opened.push(connection);
  // Session only: if deadlock detection were off, fail in seconds rather than the server's 50 s.
  await queryRows(connection, 'SET SESSION innodb_lock_wait_timeout = 10');
  return connection;
}

function endAll(): Promise<void> {
  return Promise.all(opened.splice(0).map((c) => c.end())).then(() => undefined);
}

interface CrossedState {
  /** The row this loop locks first, and the one it wants next. */
  first: number;
  second: number;
  items: number;
  next: number;
  /** Items whose COMMIT succeeded, by this loop's count. */
  committed: number;
}

/** Runs the workers' measuring steps in a closed loop until each runs out of work. */
function runClosedLoop<S, I>(params: Array<WorkerLoopParams<S, I>>): Promise<{ workDone: boolean }> {
  return constantWorkers.run(params.map(createWorker), {}, { isStopping: () => false, dropped: () => undefined, now: () => performance.now() });
}

/** One operation: START TRANSACTION; UPDATE first; pause; UPDATE second; COMMIT. */
const crossed: Operations<CrossedState, number> = {
  next(state) {
    return state.next < state.items ? state.next++ : null;
  },
  execute(state, connection, _item, done: Done) {
    connection.query('START TRANSACTION', [], (error) => {
      if (error) return done(error);
      connection.write('UPDATE t SET v = v + 1 WHERE id = ?', [state.first], (error) => {
        if (error) return done(error);
        setTimeout(() => {
          connection.write('UPDATE t SET v = v + 1 WHERE id = ?', [state.second], (error) => {
            if (error) return done(error);
            connection.query('COMMIT', [], (error) => {
              if (error) return done(error);
              state.committed++;
              done(null, { rows: 2, committed: true });
            });
          });
        }, 50);
      });
    });
  },
};

function countsOf(snapshot: MetersSnapshot, op: string): OpCounts {
  return snapshot[op]?.counts ?? emptyCounts();
}

for (const driver of DRIVERS) describe(`worker loop against a real server (${driver})`, () => {
  before(async () => {
    db = await createTestDatabase();
    options = { host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name, driver };
    await adminQuery('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB', [], db.name);
    await adminQuery('INSERT INTO t VALUES (1, 0), (2, 0), (3, 0)', [], db.name);
  });

  after(async () => {
    await endAll();
    await db?.drop();
  });

  test('a forced deadlock is rolled back, retried and finally committed, and counted', { timeout: 60_000 }, async () => {
    const items = 4;
    const states: CrossedState[] = [
      { first: 1, second: 2, items, next: 0, committed: 0 },
      { first: 2, second: 1, items, next: 0, committed: 0 },
    ];
    const meters = [new OpMeters(), new OpMeters()];
    const connections = [await connect(), await connect()];
    const result = await runClosedLoop(
      states.map((state, i) => ({
        operations: crossed,
        state,
        connection: connections[i]!,
        transactional: true,
        meters: meters[i]!,
        // Plenty of retries: each item can lose to every item of the other loop.
        retry: { retries: 20, backoffMs: 2 },
        isStopping: () => false,
        reconnect: connect,
        opOf: () => 'crossed',
      })),
    );
    assert.equal(result.workDone, true, 'both loops ran out of work');

    const snapshots = meters.map((m) => m.takeSnapshot());
    const perLoop = snapshots.map((s) => countsOf(s, 'crossed'));
    const total = emptyCounts();
    for (const counts of perLoop) for (const key of ['ops', 'attempts', 'retries', 'deadlocks', 'lockWaitTimeouts', 'exhausted', 'commits', 'rollbacks', 'errors', 'reconnects', 'rows'] as const) total[key] += counts[key];

    assert.ok(total.deadlocks >= 1, `no deadlock happened: ${JSON.stringify(perLoop)}`);
    assert.ok(total.retries >= 1, 'the victim was retried');
    assert.equal(total.lockWaitTimeouts, 0);
    assert.equal(total.exhausted, 0);
    assert.equal(total.errors, 0, 'a deadlock is retried, not an error');
    assert.equal(total.reconnects, 0);
    perLoop.forEach((counts, i) => {
      assert.deepEqual(counts.errorsByCode, {}, `loop ${i}`);
      // Every deadlock victim got an explicit ROLLBACK, then a retry.
      assert.equal(counts.rollbacks, counts.deadlocks, `loop ${i}: ROLLBACKs sent`);
      assert.equal(counts.retries, counts.deadlocks, `loop ${i}: retries`);
      // Every item finally committed, once.
      assert.equal(counts.ops, items, `loop ${i}: ops`);
      assert.equal(counts.commits, items, `loop ${i}: commits`);
      assert.equal(states[i]!.committed, items, `loop ${i}: COMMITs that succeeded`);
      assert.equal(counts.rows, 2 * items, `loop ${i}: rows`);
      assert.equal(counts.attempts, counts.ops + counts.retries, `loop ${i}: attempts = first tries + retries`);
      // Latency is recorded once per successful op, not per attempt.
      assert.equal(decodeHistogram(snapshots[i]!.crossed!.histogram).totalCount, counts.ops, `loop ${i}: histogram count`);
    });

    // The table agrees: each committed item added 1 to both rows; rolled-back attempts left no trace.
    const rows = await adminQuery<Array<{ id: number; v: number }>>('SELECT id, v FROM t ORDER BY id', [], db.name);
    assert.deepEqual(
      rows.map((r) => [r.id, r.v]),
      [
        [1, total.commits],
        [2, total.commits],
        [3, 0],
      ],
    );
    assert.equal(total.commits, 2 * items);
  });

  test('with no retries left a deadlocked item is counted as exhausted, not committed', { timeout: 60_000 }, async () => {
    await adminQuery('UPDATE t SET v = 0', [], db.name);
    const states: CrossedState[] = [
      { first: 1, second: 2, items: 1, next: 0, committed: 0 },
      { first: 2, second: 1, items: 1, next: 0, committed: 0 },
    ];
    const meters = [new OpMeters(), new OpMeters()];
    const connections = [await connect(), await connect()];
    await runClosedLoop(
      states.map((state, i) => ({
        operations: crossed,
        state,
        connection: connections[i]!,
        transactional: true,
        meters: meters[i]!,
        retry: { retries: 0, backoffMs: 2 },
        isStopping: () => false,
        reconnect: connect,
        opOf: () => 'crossed',
      })),
    );
    const perLoop = meters.map((m) => countsOf(m.takeSnapshot(), 'crossed'));
    const deadlocks = perLoop.reduce((n, c) => n + c.deadlocks, 0);
    const exhausted = perLoop.reduce((n, c) => n + c.exhausted, 0);
    const ops = perLoop.reduce((n, c) => n + c.ops, 0);
    assert.equal(deadlocks, 1, JSON.stringify(perLoop));
    assert.equal(exhausted, 1);
    assert.equal(ops, 1, 'the winner committed');
    assert.equal(
      perLoop.reduce((n, c) => n + c.retries, 0),
      0,
    );
    const rows = await adminQuery<Array<{ v: number }>>('SELECT v FROM t WHERE id IN (1, 2) ORDER BY id', [], db.name);
    assert.deepEqual(
      rows.map((r) => r.v),
      [1, 1],
      'only the winner left a trace',
    );
  });

  test('a killed connection is re-established and the operation retried', { timeout: 60_000 }, async () => {
    await adminQuery('UPDATE t SET v = 0', [], db.name);
    const state = { done: 0, items: 3, next: 0, threadIds: [] as number[] };
    let killed = false;
    const slow: Operations<typeof state, number> = {
      next: (s) => (s.next < s.items ? s.next++ : null),
      execute(s, connection, item, done) {
        s.threadIds.push(connection.threadId);
        if (item === 1 && !killed) {
          // Kill this connection from outside while its statement runs.
          killed = true;
          const threadId = connection.threadId;
          setTimeout(() => void adminQuery(`KILL CONNECTION ${Number(threadId)}`).catch(() => undefined), 100);
        }
        connection.query('UPDATE t SET v = v + 1 + SLEEP(0.4) * 0 WHERE id = 3', [], (error) => {
          if (error) return done(error);
          s.done++;
          done(null, { rows: 1, committed: true });
        });
      },
    };
    const meters = new OpMeters();
    const result = await runClosedLoop([
      {
        operations: slow,
        state,
        connection: await connect(),
        transactional: false,
        meters,
        retry: { retries: 3, backoffMs: 2 },
        isStopping: () => false,
        reconnect: connect,
        opOf: () => 'slow',
      },
    ]);
    assert.equal(result.workDone, true);
    const counts = countsOf(meters.takeSnapshot(), 'slow');
    assert.equal(counts.reconnects, 1, JSON.stringify(counts));
    assert.equal(counts.errors, 1, 'the lost connection is counted as an error, by code');
    assert.equal(Object.values(counts.errorsByCode).reduce((a, b) => a + b, 0), 1, JSON.stringify(counts.errorsByCode));
    assert.equal(counts.ops, 3, 'every item done, the interrupted one after reconnecting');
    assert.equal(counts.attempts, 4);
    assert.notEqual(state.threadIds[0], state.threadIds[state.threadIds.length - 1], 'a new connection was used');
    const rows = await adminQuery<Array<{ v: number }>>('SELECT v FROM t WHERE id = 3', [], db.name);
    // The killed statement may or may not have been applied before the kill; the three successful ops were.
    assert.ok(rows[0]!.v === 3 || rows[0]!.v === 4, `v = ${rows[0]!.v}`);
  });
});
