/** Row accounting: harness rows = Com_insert delta = table rows gained, and each way it fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountingCheck, shardSetAccounting } from './accounting.js';
import { emptyCounts, type OpCounts } from '../../metrics/opMeters.js';
import type { OpSummary, StatusSection, Summary } from '../../results/types.js';

const LATENCY = { p50: 1, p95: 2, p99: 3, max: 4, mean: 1 };

function op(counts: Partial<OpCounts>): OpSummary {
  return { ...emptyCounts(), ...counts, opsPerSec: 0, latencyMs: LATENCY };
}

/** A summary of the operations given (the top-level counts do not enter the check). */
function summary(byOp: Record<string, OpSummary>): Summary {
  return { ...op({}), elapsedSec: 10, endReason: 'duration', byOp };
}

/** 1000 inserts of one row each, committed, no failures. */
const INSERTS = op({ ops: 1000, attempts: 1000, commits: 1000, rows: 1000 });

function status(comInsert: number | undefined, resets = 0): StatusSection {
  return { delta: comInsert === undefined ? {} : { Com_insert: comInsert }, rate: {}, gauges: {}, resets };
}

test('ok: harness rows = Com_insert delta = table rows gained', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(1000), 500, 1500);
  assert.deepEqual(result, {
    harnessRows: 1000,
    comInsertDelta: 1000,
    tableRowsBefore: 500,
    tableRowsAfter: 1500,
    tableRowsDelta: 1000,
    ok: true,
    note: 'harness rows = Com_insert delta = table rows gained',
  });
});

test('ok: Com_insert also counts the INSERTs of failed attempts, up to their number', () => {
  const withRetries = op({ ops: 1000, attempts: 1030, retries: 30, deadlocks: 30, commits: 1000, rows: 1000 });
  const result = accountingCheck(summary({ insert: withRetries }), status(1030), 0, 1000);
  assert.equal(result.ok, true);
  assert.match(result.note, /harness rows = table rows gained; Com_insert also counts 30 INSERTs of failed attempts/);
  const tooMany = accountingCheck(summary({ insert: withRetries }), status(1031), 0, 1000);
  assert.equal(tooMany.ok, false, 'one INSERT more than the failed attempts explain');
  assert.match(tooMany.note, /Com_insert grew by 1031, the harness inserted 1000 rows with 30 failed attempts: another client was inserting/);
});

test('ok: rows committed whose acknowledgement was lost with the connection (a reconnect, then a duplicate key)', () => {
  const lostAck = op({ ops: 1000, attempts: 1001, commits: 1000, rows: 1000, errors: 1, errorsByCode: { '1062 ER_DUP_ENTRY': 1 }, reconnects: 1 });
  const result = accountingCheck(summary({ insert: lostAck }), status(1001), 0, 1001);
  assert.equal(result.ok, true);
  assert.match(result.note, /harness rows \+ 1 = table rows gained: 1 insert\(s\) committed but their acknowledgement was lost/);
  // Without the reconnect, the extra row is unexplained.
  const noReconnect = op({ ...lostAck, reconnects: 0 });
  assert.equal(accountingCheck(summary({ insert: noReconnect }), status(1001), 0, 1001).ok, false);
});

test('mismatch: the table gained fewer rows than the harness counted (lost rows)', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(1000), 0, 990);
  assert.equal(result.ok, false);
  assert.equal(result.tableRowsDelta, 990);
  assert.equal(result.note, 'the table gained 990 rows but the harness counted 1000: another writer, or lost rows');
});

test('mismatch: the table gained more rows than the harness counted (another writer)', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(1000), 0, 1010);
  assert.equal(result.ok, false);
  assert.match(result.note, /the table gained 1010 rows but the harness counted 1000/);
});

test('mismatch: Com_insert grew by more than the harness sent (another client inserting elsewhere)', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(1200), 0, 1000);
  assert.equal(result.ok, false);
  assert.match(result.note, /^Com_insert grew by 1200, the harness inserted 1000 rows with 0 failed attempts: another client was inserting$/);
});

test('mismatch: Com_insert grew by less than the rows written', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(900), 0, 1000);
  assert.equal(result.ok, false);
  assert.match(result.note, /Com_insert grew by 900/);
});

test('unknown: a Com_insert never sampled cannot confirm the rows, so the accounting is not ok', () => {
  const result = accountingCheck(summary({ insert: INSERTS }), status(undefined), 0, 1000);
  assert.equal(result.ok, false);
  assert.equal(result.comInsertDelta, 0);
  assert.equal(result.note, "the server's Com_insert was never sampled, so the harness rows could not be checked against it");
});

test('unknown: after a server restart Com_insert only counts the last lifetime; it may fall short, never exceed', () => {
  const short = accountingCheck(summary({ insert: INSERTS }), status(400, 1), 0, 1000);
  assert.equal(short.ok, true);
  assert.match(short.note, /the server restarted 1 time\(s\): Com_insert counts only what each server lifetime saw/);
  const over = accountingCheck(summary({ insert: INSERTS }), status(1100, 1), 0, 1000);
  assert.equal(over.ok, false);
});

test('reads (no commits) and per-part timings do not count as rows written', () => {
  const reads = op({ ops: 500, attempts: 500, rows: 25_000 });
  const part = op({ ops: 3000, attempts: 3000, commits: 3000, rows: 3000 });
  const result = accountingCheck(summary({ insert: INSERTS, read: reads, 'part:query': part }), status(1000), 0, 1000);
  assert.equal(result.harnessRows, 1000);
  assert.equal(result.ok, true);
});

test('operations of several INSERTs: a failed attempt may have run as many INSERTs as an operation writes rows', () => {
  // Each operation is a transaction of 10 single-row INSERTs; two attempts failed.
  const batches = op({ ops: 100, attempts: 102, retries: 2, commits: 100, rows: 1000 });
  assert.equal(accountingCheck(summary({ insert: batches }), status(1020), 0, 1000).ok, true);
  assert.equal(accountingCheck(summary({ insert: batches }), status(1021), 0, 1000).ok, false);
});

test('a shard of three: the table and Com_insert count every shard, so it is checked only not to exceed them (partial), and merge checks the set', () => {
  // Three shards of 1000 rows each; this one saw the table go from 0 to 3000.
  const shard = accountingCheck(summary({ insert: INSERTS }), status(3000), 0, 3000, { index: 1, of: 3 });
  assert.equal(shard.ok, true);
  assert.equal(shard.scope, 'shard 2/3');
  assert.match(shard.note, /shard 2\/3: its 1000 rows are part of the table's \+3000, which counts every shard's/);
  // A shard that claims more rows than the table gained lost some.
  const lost = accountingCheck(summary({ insert: INSERTS }), status(3000), 0, 900, { index: 0, of: 3 });
  assert.equal(lost.ok, false);
  assert.match(lost.note, /counted 1000 rows but the table gained only 900: lost rows/);
  // --shard 1/1 is a whole run.
  assert.equal(accountingCheck(summary({ insert: INSERTS }), status(1000), 0, 1000, { index: 0, of: 1 }).scope, undefined);
});

test('a merged set: from the lowest count before to the highest after, the rows of every shard together', () => {
  const shard = (rows: number, after: number) => accountingCheck(summary({ insert: op({ ops: rows, attempts: rows, commits: rows, rows }) }), status(3000), 100, after, { index: 0, of: 3 });
  const set = shardSetAccounting([shard(1000, 3050), shard(1100, 3100), shard(900, 3080)], 2990)!;
  assert.equal(set.ok, true, set.note);
  assert.deepEqual([set.harnessRows, set.tableRowsBefore, set.tableRowsAfter, set.tableRowsDelta, set.comInsertDelta, set.scope], [3000, 100, 3100, 3000, 2990, '3 shards merged']);
  const short = shardSetAccounting([shard(1000, 3050), shard(1100, 3101), shard(900, 3080)], 2990)!;
  assert.equal(short.ok, false);
  assert.match(short.note, /the table gained 3001 rows over the set but the shards counted 3000 together/);
  assert.equal(shardSetAccounting([shard(1000, 3050), undefined], 0), null, 'a shard without accounting: no set accounting');
});
