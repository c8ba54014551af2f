/**
 * The tool's central correctness claim, checked after every run that writes: the rows the harness
 * counted = the server's Com_insert delta = the rows the tables gained. Pure: the orchestrator
 * counts the table rows before and after and hands the figures in.
 */
import { isPart } from '../../metrics/opMeters.js';
import type { Accounting, StatusSection, Summary } from '../../results/types.js';

/**
 * The rows the harness says it wrote must be the rows the table gained. The server's Com_insert
 * counts every INSERT statement executed, failed attempts included, so it may exceed the rows by
 * at most the failed attempts (those statements that ran before a deadlock or error). A
 * Com_insert that was never sampled proves nothing, so the accounting is then not ok.
 */
export function accountingCheck(summary: Summary, status: StatusSection, rowsBefore: number, rowsAfter: number, shard?: { index: number; of: number }): Accounting {
  // Only operations that commit writes count; reads in a mixed run have rows too.
  const writes = Object.entries(summary.byOp).filter(([op, o]) => !isPart(op) && o.commits > 0).map(([, o]) => o);
  const rows = writes.reduce((sum, o) => sum + o.rows, 0);
  const failedAttempts = writes.reduce((sum, o) => sum + o.attempts - o.ops, 0);
  const rowsPerOp = Math.max(1, rows / Math.max(1, writes.reduce((sum, o) => sum + o.ops, 0)));
  // An insert can commit while the connection dies before its answer: the retry then meets a
  // duplicate key. Such rows are in the table but not in the harness's count, at most one per reconnect.
  const duplicates = writes.reduce((sum, o) => sum + Object.entries(o.errorsByCode).filter(([code]) => code.startsWith('1062')).reduce((n, [, c]) => n + c, 0), 0);
  const reconnects = writes.reduce((sum, o) => sum + o.reconnects, 0);
  const sampled = status.delta.Com_insert;
  const comInsertDelta = sampled ?? 0;
  const tableRowsDelta = rowsAfter - rowsBefore;
  if (shard && shard.of > 1) return shardAccounting(rows, comInsertDelta, rowsBefore, rowsAfter, shard);
  const unacknowledged = tableRowsDelta > rows && tableRowsDelta - rows <= Math.min(duplicates, reconnects) * rowsPerOp ? tableRowsDelta - rows : 0;
  const rowsMatch = tableRowsDelta === rows + unacknowledged;
  // After a restart the server counts from zero again: Com_insert may then fall short of the rows,
  // but must still not exceed them plus the failed attempts.
  const comInsertMatches =
    sampled !== undefined &&
    (status.resets > 0 ? comInsertDelta <= rows + unacknowledged + failedAttempts * rowsPerOp : comInsertDelta >= rows && comInsertDelta - rows <= failedAttempts * rowsPerOp);
  const notes: string[] = [];
  if (!rowsMatch) notes.push(`the table gained ${tableRowsDelta} rows but the harness counted ${rows}: another writer, or lost rows`);
  else if (sampled === undefined) notes.push('the server\'s Com_insert was never sampled, so the harness rows could not be checked against it');
  else if (!comInsertMatches) notes.push(`Com_insert grew by ${comInsertDelta}, the harness inserted ${rows} rows with ${failedAttempts} failed attempts: another client was inserting`);
  else if (unacknowledged) {
    notes.push(`harness rows + ${unacknowledged} = table rows gained: ${unacknowledged} insert(s) committed but their acknowledgement was lost with the connection (the retry met a duplicate key)`);
  } else notes.push(comInsertDelta === rows ? 'harness rows = Com_insert delta = table rows gained' : 'harness rows = table rows gained');
  if (status.resets > 0) notes.push(`the server restarted ${status.resets} time(s): Com_insert counts only what each server lifetime saw`);
  else if (rowsMatch && comInsertMatches && comInsertDelta !== rows) notes.push(`Com_insert also counts ${comInsertDelta - rows} INSERTs of failed attempts`);
  return { harnessRows: rows, comInsertDelta, tableRowsBefore: rowsBefore, tableRowsAfter: rowsAfter, tableRowsDelta, ok: rowsMatch && comInsertMatches, note: notes.join('; ') };
}

/**
 * One shard of several writing to the same tables at once: the table and the server's Com_insert
 * count every shard's rows, so this shard can only be checked not to claim more than the table
 * gained; `merge` checks the whole set (shardSetAccounting).
 */
function shardAccounting(rows: number, comInsertDelta: number, rowsBefore: number, rowsAfter: number, shard: { index: number; of: number }): Accounting {
  const tableRowsDelta = rowsAfter - rowsBefore;
  const label = `shard ${shard.index + 1}/${shard.of}`;
  const ok = rows <= tableRowsDelta;
  const note = ok
    ? `${label}: its ${rows} rows are part of the table's +${tableRowsDelta}, which counts every shard's (as Com_insert does); \`innobench merge\` checks the whole set`
    : `${label}: the harness counted ${rows} rows but the table gained only ${tableRowsDelta}: lost rows`;
  return { harnessRows: rows, comInsertDelta, tableRowsBefore: rowsBefore, tableRowsAfter: rowsAfter, tableRowsDelta, ok, note, scope: label };
}

/**
 * The accounting of a merged set of shards: they counted the table before any of them started
 * (they meet at the rendezvous first) and after each ended, so the set's table delta runs from
 * the lowest count before to the highest after, and must equal the rows of every shard together.
 * Com_insert is reported from one shard's sampler (its window is the set's, give or take the
 * start skew), for information. Null when a shard recorded no accounting.
 */
export function shardSetAccounting(shards: ReadonlyArray<Accounting | undefined>, comInsertDelta: number | undefined): Accounting | null {
  if (shards.length === 0 || shards.some((a) => a === undefined)) return null;
  const figures = shards as Accounting[];
  const rows = figures.reduce((sum, a) => sum + a.harnessRows, 0);
  const before = Math.min(...figures.map((a) => a.tableRowsBefore));
  const after = Math.max(...figures.map((a) => a.tableRowsAfter));
  const tableRowsDelta = after - before;
  const ok = tableRowsDelta === rows;
  const note = ok
    ? `the shards' rows together = table rows gained over the set (${figures.length} shards)`
    : `the table gained ${tableRowsDelta} rows over the set but the shards counted ${rows} together: another writer, lost rows, or inserts whose acknowledgement was lost`;
  return { harnessRows: rows, comInsertDelta: comInsertDelta ?? 0, tableRowsBefore: before, tableRowsAfter: after, tableRowsDelta, ok, note, scope: `${figures.length} shards merged` };
}
